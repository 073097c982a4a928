package dev.edgetrainer.server.checkpoint;

import java.util.List;

/**
 * What a request requires of the checkpoint it names, from {@code If-Match} and
 * {@code If-None-Match}. A checkpoint's version (its ETag) is the SHA-256 of its file.
 *
 * @param ifMatch the versions the caller accepts, {@code "*"} for any; null when it sets
 * no condition (weak tags never match, so they are left out)
 * @param ifNoneMatchAny {@code If-None-Match: *}: only if there is no such checkpoint
 */
record Preconditions(List<String> ifMatch, boolean ifNoneMatchAny) {

    static final Preconditions NONE = new Preconditions(null, false);

    Preconditions {
        ifMatch = ifMatch == null ? null : List.copyOf(ifMatch);
    }

    boolean hasIfMatch() {
        return ifMatch != null;
    }

    /**
     * @param sha256 the checkpoint's version; null when there is no such checkpoint
     * @throws PreconditionFailedException when a condition does not hold
     */
    void check(String id, String sha256) {
        if (ifMatch != null && (sha256 == null || !(ifMatch.contains("*") || ifMatch.contains(sha256)))) {
            throw new PreconditionFailedException("If-Match",
                    sha256 == null ? "there is no checkpoint '" + id + "' to match"
                            : "checkpoint " + id + " is version \"" + sha256 + "\", not " + ifMatch);
        }
        if (ifNoneMatchAny && sha256 != null) {
            throw new PreconditionFailedException("If-None-Match", "checkpoint " + id + " exists");
        }
    }

}
