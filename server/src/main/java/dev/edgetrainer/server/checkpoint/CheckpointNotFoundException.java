package dev.edgetrainer.server.checkpoint;

import dev.edgetrainer.server.system.EdgeException;

/** No checkpoint has the id asked for, or none is left to restore. */
public class CheckpointNotFoundException extends EdgeException {

    public CheckpointNotFoundException(String detail) {
        super(Kind.NOT_FOUND, "id", detail);
    }

}
