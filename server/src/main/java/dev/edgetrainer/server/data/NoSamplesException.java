package dev.edgetrainer.server.data;

import dev.edgetrainer.server.system.EdgeException;

/** The device keeps no samples of the kind a request needs. */
public class NoSamplesException extends EdgeException {

    public NoSamplesException(String detail) {
        super(Kind.CONFLICT, "data", detail);
    }

}
