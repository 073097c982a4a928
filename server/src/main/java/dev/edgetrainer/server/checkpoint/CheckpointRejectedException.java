package dev.edgetrainer.server.checkpoint;

import dev.edgetrainer.server.system.EdgeException;

/**
 * A checkpoint that cannot be used: it fails verification, does not decode, or does not
 * fit this model. The model is unchanged; {@link #field()} names the file, the id or the
 * weight at fault.
 */
public class CheckpointRejectedException extends EdgeException {

    public CheckpointRejectedException(String field, String detail) {
        super(Kind.REJECTED, field, detail);
    }

    /** The weights decoded but the model refused them. */
    static CheckpointRejectedException doesNotFit(String field, String checkpoint, String reason) {
        return new CheckpointRejectedException(field, checkpoint + " does not fit this model: " + reason);
    }

}
