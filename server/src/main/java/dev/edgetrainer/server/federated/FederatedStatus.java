package dev.edgetrainer.server.federated;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

import dev.edgetrainer.server.system.EdgeProperties;

/**
 * What the Flower client is doing and has done, for {@code GET /federated}, health and
 * metrics. Written by the client's threads, read by anyone.
 */
final class FederatedStatus {

    /** The connection to the Flower server. */
    enum State {

        /** {@code edge.federated.server} is not set. */
        NOT_CONFIGURED,
        /**
         * Not connected, and not trying: disabled at startup, or disconnected by hand.
         */
        STOPPED,
        /** A connection is being made. */
        CONNECTING,
        /** Joined: the server may send instructions. */
        CONNECTED,
        /** The server is away; the next attempt is scheduled. */
        WAITING

    }

    /** What the device is doing for the server right now. */
    enum Activity {

        IDLE, SENDING_WEIGHTS, FITTING, EVALUATING

    }

    /**
     * @param job the training job that ran the local epochs
     * @param loss the mean training loss of the last epoch
     * @param accuracy of the trained weights on the samples they were trained on; null
     * for regression
     */
    record Fit(Long round, Instant at, long durationMs, int examples, int epochs, Double loss, Double accuracy,
            String job) {
    }

    /**
     * @param loss of the global weights on the validation samples
     * @param ownAccuracy of the device's own weights on them, before any adoption (null
     * for regression, as {@code accuracy})
     * @param adopted whether the device took the global weights
     */
    record Evaluation(Long round, Instant at, int examples, double loss, Double accuracy, Double ownAccuracy,
            boolean adopted) {
    }

    /** Global weights the device took as its own, and the checkpoint that keeps them. */
    record Adoption(Long round, Instant at, String checkpoint) {
    }

    /**
     * @param reason {@code unavailable}, {@code lost}, {@code protocol}, or the kind of
     * the failure in lower case (e.g. {@code invalid_input})
     */
    record Failure(Instant at, String reason, String message) {
    }

    private final EdgeProperties.Federated settings;

    private final AtomicLong rounds = new AtomicLong();

    private final AtomicLong failures = new AtomicLong();

    private volatile State state;

    private volatile Activity activity = Activity.IDLE;

    private volatile Instant connectedSince;

    private volatile Instant nextAttempt;

    private volatile Fit lastFit;

    private volatile Evaluation lastEvaluation;

    private volatile Adoption lastAdoption;

    private volatile Failure lastError;

    private volatile Failure lastConnectionError;

    FederatedStatus(EdgeProperties.Federated settings) {
        this.settings = settings;
        this.state = settings.server() == null || settings.server().isBlank() ? State.NOT_CONFIGURED : State.STOPPED;
    }

    EdgeProperties.Federated settings() {
        return settings;
    }

    State state() {
        return state;
    }

    void connecting() {
        state = State.CONNECTING;
        nextAttempt = null;
    }

    void connected() {
        state = State.CONNECTED;
        connectedSince = Instant.now();
    }

    void waiting(Duration delay) {
        state = State.WAITING;
        connectedSince = null;
        nextAttempt = Instant.now().plus(delay);
    }

    void stopped() {
        state = State.STOPPED;
        connectedSince = null;
        nextAttempt = null;
    }

    boolean isConnected() {
        return state == State.CONNECTED;
    }

    void activity(Activity now) {
        activity = now;
    }

    Activity activity() {
        return activity;
    }

    void fitted(Fit fit) {
        lastFit = fit;
        rounds.incrementAndGet();
    }

    void evaluated(Evaluation evaluation) {
        lastEvaluation = evaluation;
    }

    void adopted(Adoption adoption) {
        lastAdoption = adoption;
    }

    /**
     * A failure: reaching the server ({@code unavailable}) or anything else (an
     * instruction answered non-OK, broken off, or unreadable).
     */
    void failed(Failure failure) {
        if (failure.reason().equals(FederatedMetrics.UNAVAILABLE)) {
            lastConnectionError = failure;
        }
        else {
            lastError = failure;
        }
        failures.incrementAndGet();
    }

    long rounds() {
        return rounds.get();
    }

    long failures() {
        return failures.get();
    }

    Instant connectedSince() {
        return connectedSince;
    }

    Instant nextAttempt() {
        return nextAttempt;
    }

    Fit lastFit() {
        return lastFit;
    }

    Evaluation lastEvaluation() {
        return lastEvaluation;
    }

    Adoption lastAdoption() {
        return lastAdoption;
    }

    Failure lastError() {
        return lastError;
    }

    Failure lastConnectionError() {
        return lastConnectionError;
    }

}
