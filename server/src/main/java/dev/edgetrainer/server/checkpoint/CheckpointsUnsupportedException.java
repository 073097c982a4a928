package dev.edgetrainer.server.checkpoint;

import dev.edgetrainer.server.system.EdgeException;

/**
 * The hosted model has no save/restore signatures, so its weights cannot be checkpointed.
 */
public class CheckpointsUnsupportedException extends EdgeException {

    public CheckpointsUnsupportedException() {
        super(Kind.NOT_IMPLEMENTED, null, "this model cannot checkpoint its weights: it has no pair of signatures "
                + "this server recognises (save/restore, parameters/restore, get_weights/set_weights). If two of "
                + "its signatures do it, set edge.model.signatures.save and edge.model.signatures.restore");
    }

}
