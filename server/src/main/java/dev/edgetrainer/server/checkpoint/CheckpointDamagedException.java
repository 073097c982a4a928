package dev.edgetrainer.server.checkpoint;

import dev.edgetrainer.server.system.EdgeException;

/**
 * A stored checkpoint fails its own checksum, so it is not handed out: a damaged file
 * must never spread through the fleet.
 */
public class CheckpointDamagedException extends EdgeException {

    public CheckpointDamagedException(String id, String reason) {
        super(Kind.CONFLICT, "id", "checkpoint " + id + " is corrupt on this device: " + reason);
    }

}
