package dev.edgetrainer.server.training;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.edgetrainer.server.system.ApiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Pushes new {@link LossHistory} points to dashboards as server-sent events. The request
 * thread returns at once (Spring MVC async); one publisher thread looks at the history a
 * few times a second and sends each subscriber what it lacks, so many steps become one
 * event and the interpreter thread never waits for a browser. Subscribers are bounded
 * (503 beyond {@link #MAX_SUBSCRIBERS}) and every stream ends after {@link #LIFETIME}
 * (the client reconnects where it left off), so a forgotten tab holds nothing for long.
 * Stopped before the web server's graceful shutdown, so open streams never delay it. A
 * browser that stops reading without closing can hold the publisher in a write until
 * Tomcat's write timeout ends it; the other dashboards' updates wait that long, training
 * never does.
 */
@Component
class LossHistoryStream implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(LossHistoryStream.class);

    static final int MAX_SUBSCRIBERS = 8;

    static final Duration LIFETIME = Duration.ofMinutes(5);

    static final Duration TICK = Duration.ofMillis(250);

    /** A comment now and then finds browsers that went away without closing. */
    static final Duration KEEP_ALIVE = Duration.ofSeconds(15);

    private final LossHistory history;

    private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();

    private final Duration retryAfter = Duration.ofSeconds(30);

    private ScheduledExecutorService publisher;

    private long lastKeepAlive = System.nanoTime();

    LossHistoryStream(LossHistory history) {
        this.history = history;
    }

    /**
     * A stream starting with the points the client lacks.
     * @throws ApiException 503 when {@link #MAX_SUBSCRIBERS} streams are open
     */
    SseEmitter subscribe(long afterSeq, long knownGeneration) {
        SseEmitter emitter = new SseEmitter(LIFETIME.toMillis());
        Subscriber subscriber = new Subscriber(emitter, afterSeq, knownGeneration);
        synchronized (subscribers) {
            if (!isRunning()) {
                throw ApiException.unavailable("the server is stopping", retryAfter);
            }
            if (subscribers.size() >= MAX_SUBSCRIBERS) {
                throw ApiException.unavailable(MAX_SUBSCRIBERS + " loss streams are open already; poll "
                        + "/train/history instead or retry later", retryAfter);
            }
            subscribers.add(subscriber);
            // Ending on timeout without an error: the client simply reconnects.
            emitter.onTimeout(emitter::complete);
            emitter.onCompletion(() -> subscribers.remove(subscriber));
            emitter.onError(e -> subscribers.remove(subscriber));
            // Sent before the response starts are buffered by the emitter.
            publisher.execute(() -> send(subscriber, true));
        }
        return emitter;
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
                emit(subscriber, SseEmitter.event().comment("keep-alive"));
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
        if (emit(subscriber, SseEmitter.event().name("history").data(slice, MediaType.APPLICATION_JSON))) {
            subscriber.generation = slice.generation();
            subscriber.steps = slice.steps();
            subscriber.lastSeq = Math.max(subscriber.lastSeq, slice.lastSeq());
        }
    }

    private boolean emit(Subscriber subscriber, SseEmitter.SseEventBuilder event) {
        try {
            subscriber.emitter.send(event);
            return true;
        }
        catch (IOException | IllegalStateException e) {
            // The browser went away: complete without an error, which would only be
            // rendered to a closed connection and logged.
            subscribers.remove(subscriber);
            subscriber.emitter.complete();
            return false;
        }
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
            subscriber.emitter.complete();
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

        final SseEmitter emitter;

        long lastSeq;

        long generation;

        long steps = -1;

        Subscriber(SseEmitter emitter, long lastSeq, long generation) {
            this.emitter = emitter;
            this.lastSeq = lastSeq;
            this.generation = generation;
        }

    }

}
