package dev.edgetrainer.server.model;

import java.time.Duration;

import dev.edgetrainer.server.system.EdgeException;

/**
 * The engine is shutting down: a task was refused, or dropped at the shutdown deadline.
 */
public class EngineStoppingException extends EdgeException {

    public EngineStoppingException(String detail, Duration retryAfter) {
        super(Kind.STOPPING, null, detail, retryAfter, null);
    }

}
