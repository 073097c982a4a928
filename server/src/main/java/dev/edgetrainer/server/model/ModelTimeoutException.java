package dev.edgetrainer.server.model;

import java.time.Duration;

import dev.edgetrainer.server.system.EdgeException;

/**
 * The model did not answer a task in time: the interpreter is wedged or overloaded. Our
 * fault, not the caller's, who may try again later.
 */
public class ModelTimeoutException extends EdgeException {

    public ModelTimeoutException(Duration waited, Duration retryAfter) {
        super(Kind.BUSY, null, "the model did not answer within " + waited.toSeconds() + " s", retryAfter, null);
    }

}
