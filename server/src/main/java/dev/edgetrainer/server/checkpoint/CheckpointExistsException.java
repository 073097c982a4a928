package dev.edgetrainer.server.checkpoint;

import dev.edgetrainer.server.system.EdgeException;

/**
 * An upload chose an id a checkpoint already has, without {@code If-Match} naming the
 * version it means to replace.
 */
public class CheckpointExistsException extends EdgeException {

    public CheckpointExistsException(String id, String sha256) {
        super(Kind.CONFLICT, "id", "checkpoint " + id + " exists; to replace it send If-Match: \"" + sha256
                + "\" (its ETag), or delete it first, or choose another id");
    }

}
