package dev.edgetrainer.server.checkpoint;

import java.io.IOException;

import dev.edgetrainer.server.system.EdgeException;

/**
 * The checkpoint directory could not be read or written: the device's fault, never the
 * caller's.
 */
public class StorageFailedException extends EdgeException {

    public StorageFailedException(String detail, IOException cause) {
        super(Kind.SERVER_FAULT, null, detail + ": " + cause.getMessage(), null, cause);
    }

    public StorageFailedException(String detail) {
        super(Kind.SERVER_FAULT, null, detail);
    }

}
