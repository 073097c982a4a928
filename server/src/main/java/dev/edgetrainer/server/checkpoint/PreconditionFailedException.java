package dev.edgetrainer.server.checkpoint;

import dev.edgetrainer.server.system.EdgeException;

/**
 * A condition the caller set on a checkpoint ({@code If-Match}, {@code If-None-Match})
 * does not hold: it changed, or exists, or does not, since the caller looked.
 */
public class PreconditionFailedException extends EdgeException {

    public PreconditionFailedException(String field, String detail) {
        super(Kind.PRECONDITION_FAILED, field, detail);
    }

}
