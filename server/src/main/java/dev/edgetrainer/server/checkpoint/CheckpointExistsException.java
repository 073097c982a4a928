package dev.edgetrainer.server.checkpoint;

import dev.edgetrainer.server.system.EdgeException;

/** An upload chose an id a checkpoint already has; checkpoints are never overwritten. */
public class CheckpointExistsException extends EdgeException {

    public CheckpointExistsException(String id) {
        super(Kind.CONFLICT, "id", "checkpoint " + id + " exists; delete it first or choose another id");
    }

}
