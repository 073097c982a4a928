package dev.edgetrainer.server.checkpoint;

import dev.edgetrainer.server.system.EdgeException;

/**
 * The checkpoint cannot be deleted or replaced now: the weights in memory descend from
 * it, or another request is writing, restoring or sending it.
 */
public class CheckpointInUseException extends EdgeException {

    public CheckpointInUseException(String detail) {
        super(Kind.CONFLICT, "id", detail);
    }

    static CheckpointInUseException current(String id) {
        return new CheckpointInUseException("checkpoint " + id + " is the current one: the weights in memory "
                + "descend from it, and a restart restores it; save, restore or reset first");
    }

    static CheckpointInUseException busy(String id) {
        return new CheckpointInUseException(
                "checkpoint " + id + " is being written, restored or sent by another request; try again");
    }

}
