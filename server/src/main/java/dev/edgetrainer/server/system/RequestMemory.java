package dev.edgetrainer.server.system;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Locale;

/**
 * One request's share of the {@link MemoryBudget}: code that is about to allocate
 * something sized by the request (a body, pixels, values) reserves it here first, so a
 * request that would not fit is refused before the allocation rather than by an
 * OutOfMemoryError. {@link BodyLimitFilter} opens one per request and binds it to the
 * threads that serve the request, so {@link #current()} finds it without every signature
 * carrying it; closing it returns everything to the budget. What must outlive the request
 * (a training job's samples) is {@linkplain #handOver handed over}.
 */
public final class RequestMemory implements AutoCloseable {

    private static final int FIRST_READ_CAPACITY = 8192;

    private static final ThreadLocal<RequestMemory> CURRENT = new ThreadLocal<>();

    /** Outside any request (startup, plain unit tests) nothing is metered. */
    private static final RequestMemory UNMETERED = new RequestMemory(null);

    private final MemoryBudget budget;

    private long held;

    RequestMemory(MemoryBudget budget) {
        this.budget = budget;
    }

    /**
     * The account of the request this thread serves; an unmetered one outside requests.
     */
    public static RequestMemory current() {
        RequestMemory memory = CURRENT.get();
        return (memory != null) ? memory : UNMETERED;
    }

    /**
     * Makes this the {@link #current()} account of this thread until the returned scope
     * is closed.
     */
    public Scope bind() {
        RequestMemory previous = CURRENT.get();
        CURRENT.set(this);
        return () -> CURRENT.set(previous);
    }

    /**
     * Reserves {@code bytes} for something this request is about to allocate.
     * @param field the request field the allocation is for, named in the refusal
     * @param what what is allocated, e.g. "the decoded image"
     * @throws InputTooLargeException when the request would need more than the whole
     * budget
     * @throws ServerBusyException when other requests hold too much of it right now
     */
    public void reserve(long bytes, String field, String what) {
        if (budget == null || bytes <= 0) {
            return;
        }
        synchronized (this) {
            if (bytes > budget.capacity() - held) {
                throw new InputTooLargeException(field,
                        what + " needs " + mib(bytes) + " of memory on top of the " + mib(held)
                                + " this request holds; one request may use at most " + mib(budget.capacity())
                                + " (edge.limits.request-memory)");
            }
            if (!budget.take(bytes)) {
                throw new ServerBusyException(
                        "other requests are using the memory that " + what + " needs (" + mib(bytes) + "); try again",
                        budget.retryAfter());
            }
            held += bytes;
        }
    }

    /**
     * Reads a stream to its end into an array, its memory reserved as it grows (the
     * stream's length is not known ahead).
     * @throws InputTooLargeException as {@link #reserve}
     * @throws ServerBusyException as {@link #reserve}
     */
    public byte[] readAll(InputStream in, String field, String what) throws IOException {
        byte[] data = new byte[0];
        int size = 0;
        while (true) {
            if (size == data.length) {
                int capacity = Math.max(FIRST_READ_CAPACITY, 2 * data.length);
                reserve(capacity, field, what);
                data = Arrays.copyOf(data, capacity);
                release(size);
            }
            int n = in.read(data, size, data.length - size);
            if (n < 0) {
                break;
            }
            size += n;
        }
        reserve(size, field, what);
        byte[] exact = Arrays.copyOf(data, size);
        release(data.length);
        return exact;
    }

    /** Gives back part of what was reserved, e.g. a buffer replaced by a smaller one. */
    public synchronized void release(long bytes) {
        if (budget != null && bytes > 0) {
            long returned = Math.min(bytes, held);
            held -= returned;
            budget.give(returned);
        }
    }

    /** Bytes this request holds. */
    public synchronized long held() {
        return held;
    }

    /**
     * Moves {@code bytes} of this account into a reservation of their own, for data that
     * outlives the request (a training job's samples); the caller closes it.
     */
    public synchronized Reservation handOver(long bytes) {
        long moved = Math.min(bytes, held);
        held -= moved;
        return new Reservation(budget, moved);
    }

    /** Returns everything still held to the budget. */
    @Override
    public synchronized void close() {
        release(held);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024.0));
    }

    /** Ends a {@link #bind()}. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {

        @Override
        void close();

    }

    /** Memory held past its request, returned once when closed. */
    public static final class Reservation implements AutoCloseable {

        private final MemoryBudget budget;

        private long bytes;

        Reservation(MemoryBudget budget, long bytes) {
            this.budget = budget;
            this.bytes = bytes;
        }

        @Override
        public synchronized void close() {
            if (budget != null && bytes > 0) {
                budget.give(bytes);
            }
            bytes = 0;
        }

    }

}
