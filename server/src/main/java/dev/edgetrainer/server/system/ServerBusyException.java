package dev.edgetrainer.server.system;

import java.time.Duration;

/**
 * What the request needs (memory, a slot for its body) is held by other requests right
 * now; the caller may try again after {@link #retryAfter()}.
 */
public class ServerBusyException extends EdgeException {

    public ServerBusyException(String detail, Duration retryAfter) {
        super(Kind.BUSY, null, detail, retryAfter, null);
    }

}
