package dev.edgetrainer.server.model;

import java.time.Duration;

import dev.edgetrainer.server.system.EdgeException;

/** A request found {@code edge.queue.capacity} tasks already waiting for the model. */
public class QueueFullException extends EdgeException {

    public QueueFullException(int capacity, Duration retryAfter) {
        super(Kind.BUSY, null, "the model is busy: " + capacity + " tasks are already waiting; retry shortly",
                retryAfter, null);
    }

}
