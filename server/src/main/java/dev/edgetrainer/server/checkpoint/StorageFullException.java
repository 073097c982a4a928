package dev.edgetrainer.server.checkpoint;

import java.nio.file.Path;

import dev.edgetrainer.server.system.EdgeException;

/**
 * The checkpoint directory's file system has no room for a write: the device's problem,
 * not the caller's. Whatever was partly written is gone again; the checkpoints and the
 * model are as they were.
 */
public class StorageFullException extends EdgeException {

    public StorageFullException(Path dir, String what, long needed, long free, Throwable cause) {
        super(Kind.STORAGE_FULL, null, "not enough space in " + dir + " to " + what + ": it needs " + needed
                + " bytes, " + free + (free == 1 ? " byte is" : " bytes are") + " free", null, cause);
    }

}
