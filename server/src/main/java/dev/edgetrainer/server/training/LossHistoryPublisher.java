package dev.edgetrainer.server.training;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.edgetrainer.server.model.EngineStoppingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Pushes new {@link LossHistory} points to open streams (the web layer turns them into
 * server-sent events). One publisher thread looks at the history a few times a second and
 * sends each subscriber what it lacks, so many steps become one event and the interpreter
 * thread never waits for a browser. Subscribers are bounded ({@link #MAX_SUBSCRIBERS})
 * and every stream is meant to end after {@link #LIFETIME} (the client reconnects where
 * it left off), so a forgotten tab holds nothing for long. Stopped before the web
 * server's graceful shutdown, so open streams never delay it. A client that stops reading
 * without closing can hold the publisher in a write until the server's write timeout ends
 * it; the other streams' updates wait that long, training never does.
 */
@Component
class LossHistoryPublisher implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(LossHistoryPublisher.class);

    static final int MAX_SUBSCRIBERS = 8;

    static final Duration LIFETIME = Duration.ofMinutes(5);

    static final Duration TICK = Duration.ofMillis(250);

    /** A keep-alive now and then finds clients that went away without closing. */
    static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

    private static final Duration RETRY_AFTER = Duration.ofSeconds(30);

    private final LossHistory history;

    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();

    private ScheduledExecutorService publisher;

    private long lastKeepAlive = System.nanoTime();

    LossHistoryPublisher(LossHistory history) {
        this.history = history;
    }

    /**
     * Where a subscriber's updates go: the web layer's connection to one client. Called
     * on the publisher thread only.
     */
    interface Stream {

        /**
         * @throws IOException when the client has gone
         */
        void send(LossHistory.Slice slice) throws IOException;

        /**
         * @throws IOException when the client has gone
         */
        void keepAlive() throws IOException;

        /** Ends the stream normally; the client reconnects if it wants more. */
        void end();

    }

    /**
     * Starts sending {@code stream} the points the client lacks, then new ones.
     * @throws TooManyStreamsException when {@link #MAX_SUBSCRIBERS} streams are open
     * @throws EngineStoppingException when the server is shutting down
     */
    void subscribe(Stream stream, long afterSeq, long knownGeneration) {
        Subscriber subscriber = new Subscriber(stream, afterSeq, knownGeneration);
        synchronized (subscribers) {
            if (!isRunning()) {
                throw new EngineStoppingException("the server is stopping", RETRY_AFTER);
            }
            if (subscribers.size() >= MAX_SUBSCRIBERS) {
                throw new TooManyStreamsException(MAX_SUBSCRIBERS, RETRY_AFTER);
            }
            subscribers.add(subscriber);
            publisher.execute(() -> send(subscriber, true));
        }
    }

    /** The client went away or its stream ended: nothing more is sent to it. */
    void unsubscribe(Stream stream) {
        subscribers.removeIf(subscriber -> subscriber.stream == stream);
    }

    int subscribers() {
        return subscribers.size();
    }

    private void publish() {
        boolean keepAlive = System.nanoTime() - lastKeepAlive > KEEP_ALIVE.toNanos();
        if (keepAlive) {
            lastKeepAlive = System.nanoTime();
        }
        long steps = history.steps();
        long generation = history.generation();
        for (Subscriber subscriber : subscribers) {
            if (subscriber.steps != steps || subscriber.generation != generation) {
                send(subscriber, false);
            }
            else if (keepAlive) {
                try {
                    subscriber.stream.keepAlive();
                }
                catch (IOException | IllegalStateException e) {
                    gone(subscriber);
                }
            }
        }
    }

    /** On the publisher thread only: what a subscriber has seen is its own state. */
    private void send(Subscriber subscriber, boolean first) {
        LossHistory.Slice slice = history.since(subscriber.lastSeq, subscriber.generation);
        if (!first && slice.points().isEmpty() && !slice.full()) {
            subscriber.steps = slice.steps();
            return;
        }
        try {
            subscriber.stream.send(slice);
        }
        catch (IOException | IllegalStateException e) {
            gone(subscriber);
            return;
        }
        subscriber.generation = slice.generation();
        subscriber.steps = slice.steps();
        subscriber.lastSeq = Math.max(subscriber.lastSeq, slice.lastSeq());
    }

    /**
     * The client went away (or its stream already ended): ended without an error, which
     * would only be reported to a closed connection and logged.
     */
    private void gone(Subscriber subscriber) {
        subscribers.remove(subscriber);
        subscriber.stream.end();
    }

    @Override
    public void start() {
        synchronized (subscribers) {
            publisher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "edge-loss-stream");
                thread.setDaemon(true);
                return thread;
            });
        }
        publisher.scheduleWithFixedDelay(this::publishSafely, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void publishSafely() {
        try {
            publish();
        }
        catch (RuntimeException e) {
            // A scheduled task that throws is never run again; keep the dashboards live.
            log.warn("Publishing the loss history failed", e);
        }
    }

    @Override
    public void stop() {
        ScheduledExecutorService stopping;
        synchronized (subscribers) {
            stopping = publisher;
            publisher = null;
        }
        if (stopping != null) {
            stopping.shutdownNow();
        }
        for (Subscriber subscriber : subscribers) {
            subscriber.stream.end();
        }
        subscribers.clear();
    }

    @Override
    public boolean isRunning() {
        synchronized (subscribers) {
            return publisher != null;
        }
    }

    private static final class Subscriber {

        final Stream stream;

        long lastSeq;

        long generation;

        long steps = -1;

        Subscriber(Stream stream, long lastSeq, long generation) {
            this.stream = stream;
            this.lastSeq = lastSeq;
            this.generation = generation;
        }

    }

}
