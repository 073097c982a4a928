package dev.edgetrainer.server.checkpoint;

import dev.edgetrainer.server.system.EdgeException;

/**
 * The hosted model has no save/restore signatures, so its weights cannot be checkpointed.
 */
public class CheckpointsUnsupportedException extends EdgeException {

    public CheckpointsUnsupportedException() {
        super(Kind.NOT_IMPLEMENTED, null, "the model has no save/restore signatures "
                + "this server recognises, so its weights cannot be checkpointed");
    }

}
