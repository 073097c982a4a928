package dev.edgetrainer.server.system;

import java.time.Duration;

import org.springframework.http.HttpStatus;

/**
 * A request that cannot be served, with the status and the field to blame. Every
 * capability throws these and {@link ProblemHandler} turns them into problem+json, so no
 * controller builds an error response itself.
 */
public class ApiException extends RuntimeException {

    private final HttpStatus status;

    private final String field;

    private final Duration retryAfter;

    public ApiException(HttpStatus status, String field, String detail) {
        this(status, field, detail, null, null);
    }

    public ApiException(HttpStatus status, String field, String detail, Duration retryAfter, Throwable cause) {
        super(detail, cause);
        this.status = status;
        this.field = field;
        this.retryAfter = retryAfter;
    }

    public static ApiException badInput(String field, String detail) {
        return new ApiException(HttpStatus.BAD_REQUEST, field, detail);
    }

    public static ApiException notFound(String field, String detail) {
        return new ApiException(HttpStatus.NOT_FOUND, field, detail);
    }

    public static ApiException conflict(String field, String detail) {
        return new ApiException(HttpStatus.CONFLICT, field, detail);
    }

    public static ApiException unprocessable(String field, String detail) {
        return new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, field, detail);
    }

    public static ApiException unavailable(String detail, Duration retryAfter) {
        return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, null, detail, retryAfter, null);
    }

    public HttpStatus status() {
        return status;
    }

    /**
     * The request field, parameter or part that was wrong; null when no single one is to
     * blame.
     */
    public String field() {
        return field;
    }

    /** For 503s: when the client may try again; null otherwise. */
    public Duration retryAfter() {
        return retryAfter;
    }

}
