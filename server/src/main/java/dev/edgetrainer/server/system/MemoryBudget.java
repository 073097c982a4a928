package dev.edgetrainer.server.system;

import java.time.Duration;

/**
 * The heap that requests may fill, all together, with what they receive and decode:
 * bodies, decoded pixels, inflated IDX data, JSON values, a training job's samples
 * ({@code edge.limits.request-memory}). Each request draws on it through its
 * {@link RequestMemory} before it allocates; what does not fit is refused instead of
 * running the JVM out of memory: 413 when one request alone needs more than the whole
 * budget, 503 with {@code Retry-After} when other requests hold the rest for the moment.
 */
public class MemoryBudget {

    private final long capacity;

    private final Duration retryAfter;

    private long used;

    public MemoryBudget(long capacity, Duration retryAfter) {
        this.capacity = capacity;
        this.retryAfter = retryAfter;
    }

    /** Bytes all requests together may hold. */
    public long capacity() {
        return capacity;
    }

    /** Bytes held now. */
    public synchronized long used() {
        return used;
    }

    Duration retryAfter() {
        return retryAfter;
    }

    /** The account of one request, empty. */
    public RequestMemory open() {
        return new RequestMemory(this);
    }

    synchronized boolean take(long bytes) {
        if (bytes > capacity - used) {
            return false;
        }
        used += bytes;
        return true;
    }

    synchronized void give(long bytes) {
        used -= bytes;
    }

}
