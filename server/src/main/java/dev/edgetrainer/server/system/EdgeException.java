package dev.edgetrainer.server.system;

import java.time.Duration;

/**
 * Something a request asked for could not be done, named after what happened. Services,
 * the engine and the stores throw subclasses; each front end maps {@link #kind()} to its
 * own answer ({@link ProblemHandler} to an HTTP status and problem+json), so none of them
 * speaks HTTP.
 */
public abstract class EdgeException extends RuntimeException {

    /**
     * What kind of thing happened, for a front end to choose its status from. One kind
     * per distinct answer a client needs; the exception class says the rest.
     */
    public enum Kind {

        /**
         * The caller's input is malformed or out of range: {@link #field()} says which.
         */
        INVALID_INPUT,
        /** The input is of a type this model or endpoint does not take. */
        UNSUPPORTED_CONTENT,
        /** The input is larger than a configured limit. */
        TOO_LARGE,
        /**
         * The request's body did not arrive at the minimum rate or within its deadline.
         */
        TOO_SLOW,
        /** What the request names does not exist. */
        NOT_FOUND,
        /** The request clashes with the current state (an id taken, a job running). */
        CONFLICT,
        /** A condition the caller set on the current state does not hold. */
        PRECONDITION_FAILED,
        /**
         * Well-formed content that cannot be used, e.g. a checkpoint that does not fit.
         */
        REJECTED,
        /** The caller did not prove it may do this. */
        UNAUTHORIZED,
        /** The model has too much work waiting; try again after {@link #retryAfter()}. */
        BUSY,
        /** The engine is shutting down; try again after {@link #retryAfter()}. */
        STOPPING,
        /** The device has no room to store what was asked for. */
        STORAGE_FULL,
        /** This server or this model cannot do what was asked. */
        NOT_IMPLEMENTED,
        /** Our own failure, not the caller's: logged with its cause. */
        SERVER_FAULT

    }

    private final Kind kind;

    private final String field;

    private final Duration retryAfter;

    protected EdgeException(Kind kind, String field, String detail) {
        this(kind, field, detail, null, null);
    }

    protected EdgeException(Kind kind, String field, String detail, Duration retryAfter, Throwable cause) {
        super(detail, cause);
        this.kind = kind;
        this.field = field;
        this.retryAfter = retryAfter;
    }

    public Kind kind() {
        return kind;
    }

    /**
     * The request field, parameter or part that was wrong; null when no single one is to
     * blame.
     */
    public String field() {
        return field;
    }

    /**
     * When the caller may try again ({@link Kind#BUSY}, {@link Kind#STOPPING}); else
     * null.
     */
    public Duration retryAfter() {
        return retryAfter;
    }

}
