package dev.edgetrainer.server.data;

import java.io.IOException;

import dev.edgetrainer.server.system.EdgeException;

/**
 * The sample directory could not be read or written: the device's fault, never the
 * caller's. A full disk is told apart, so that the caller learns that space is what is
 * missing.
 */
public class SampleStoreException extends EdgeException {

    public SampleStoreException(String detail, IOException cause) {
        super(isDiskFull(cause) ? Kind.STORAGE_FULL : Kind.SERVER_FAULT, null,
                cause == null ? detail : detail + ": " + cause.getMessage(), null, cause);
    }

    private static boolean isDiskFull(IOException cause) {
        return cause != null && cause.getMessage() != null && cause.getMessage().contains("No space left");
    }

}
