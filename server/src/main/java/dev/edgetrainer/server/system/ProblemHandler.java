package dev.edgetrainer.server.system;

import java.net.URI;

import dev.edgetrainer.model.data.IdxFormatException;
import dev.edgetrainer.model.runtime.InvalidInputException;
import dev.edgetrainer.model.runtime.ModelException;
import dev.edgetrainer.model.runtime.UnsupportedOpsException;
import dev.edgetrainer.model.tensor.CorruptCheckpointException;
import dev.edgetrainer.server.system.EdgeException.Kind;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.TypeMismatchException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.validation.FieldError;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.multipart.support.MissingServletRequestPartException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.util.DisconnectedClientHelper;

/**
 * The one place errors become RFC 9457 problem+json. Every problem carries a
 * {@code field} property when one field, parameter or part is to blame. Bad input is
 * always 4xx; a 5xx means the server or the model failed. Exceptions are mapped by their
 * {@link EdgeException.Kind}, never by their class, so this package knows nothing of the
 * capabilities that throw them.
 */
@RestControllerAdvice
class ProblemHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);
    static final String FIELD = "field";

    static HttpStatus status(Kind kind) {
        return switch (kind) {
            case INVALID_INPUT -> HttpStatus.BAD_REQUEST;
            case UNSUPPORTED_CONTENT -> HttpStatus.UNSUPPORTED_MEDIA_TYPE;
            case TOO_LARGE -> HttpStatus.CONTENT_TOO_LARGE;
            case TOO_SLOW -> HttpStatus.REQUEST_TIMEOUT;
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case CONFLICT -> HttpStatus.CONFLICT;
            case PRECONDITION_FAILED -> HttpStatus.PRECONDITION_FAILED;
            case REJECTED -> HttpStatus.UNPROCESSABLE_CONTENT;
            case UNAUTHORIZED -> HttpStatus.UNAUTHORIZED;
            case BUSY, STOPPING -> HttpStatus.SERVICE_UNAVAILABLE;
            case STORAGE_FULL -> HttpStatus.INSUFFICIENT_STORAGE;
            case NOT_IMPLEMENTED -> HttpStatus.NOT_IMPLEMENTED;
            case SERVER_FAULT -> HttpStatus.INTERNAL_SERVER_ERROR;
        };
    }

    @ExceptionHandler(EdgeException.class)
    ResponseEntity<Object> edge(EdgeException e, WebRequest request) {
        HttpHeaders headers = new HttpHeaders();
        if (e.retryAfter() != null) {
            headers.set(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, e.retryAfter().toSeconds())));
        }
        if (e.kind() == Kind.UNAUTHORIZED) {
            headers.set(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        if (e.kind() == Kind.SERVER_FAULT) {
            log.error("Request failed", e);
        }
        return problem(e, e.kind(), e.getMessage(), e.field(), headers, request);
    }

    /** The model's own input checks: nothing reached the interpreter. */
    @ExceptionHandler(InvalidInputException.class)
    ResponseEntity<Object> invalidInput(InvalidInputException e, WebRequest request) {
        return problem(e, Kind.INVALID_INPUT, e.getMessage(), e.field(), new HttpHeaders(), request);
    }

    /** An uploaded IDX file is malformed; its source is the part it came in. */
    @ExceptionHandler(IdxFormatException.class)
    ResponseEntity<Object> idxFormat(IdxFormatException e, WebRequest request) {
        return problem(e, Kind.INVALID_INPUT, e.getMessage(), e.source(), new HttpHeaders(), request);
    }

    /** A checkpoint that fails its checksum or does not decode. */
    @ExceptionHandler(CorruptCheckpointException.class)
    ResponseEntity<Object> corruptCheckpoint(CorruptCheckpointException e, WebRequest request) {
        return problem(e, Kind.REJECTED, e.getMessage(), null, new HttpHeaders(), request);
    }

    /**
     * A model may use ops this runtime lacks: the request is fine, the server cannot do
     * it.
     */
    @ExceptionHandler(UnsupportedOpsException.class)
    ResponseEntity<Object> unsupportedOps(UnsupportedOpsException e, WebRequest request) {
        return problem(e, Kind.NOT_IMPLEMENTED, e.getMessage(), null, new HttpHeaders(), request);
    }

    @ExceptionHandler(ModelException.class)
    ResponseEntity<Object> model(ModelException e, WebRequest request) {
        log.error("The model failed", e);
        return problem(e, Kind.SERVER_FAULT, "the model failed: " + e.getMessage(), null, new HttpHeaders(), request);
    }

    @ExceptionHandler(MultipartException.class)
    ResponseEntity<Object> multipart(MultipartException e, WebRequest request) {
        return problem(e, Kind.INVALID_INPUT, "the multipart body cannot be read: " + e.getMessage(), null,
                new HttpHeaders(), request);
    }

    /**
     * A form-encoded body Tomcat cannot decode (bytes that are not its charset, broken
     * escapes), met when a handler reads the body or parameters.
     */
    @ExceptionHandler(InvalidParameterException.class)
    ResponseEntity<Object> formBody(InvalidParameterException e, WebRequest request) {
        return problem(e, Kind.INVALID_INPUT, "the form-encoded body cannot be decoded", null, new HttpHeaders(),
                request);
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> unexpected(Exception e, WebRequest request) {
        if (DisconnectedClientHelper.isClientDisconnectedException(e)) {
            // Nobody is left to answer, and it is not our fault: no stack trace.
            log.debug("The client went away: {}", e.toString());
            return null;
        }
        log.error("Unexpected failure", e);
        return problem(e, Kind.SERVER_FAULT, "internal error: " + e.getClass().getSimpleName(), null, new HttpHeaders(),
                request);
    }

    /**
     * An unreadable body. Its cause says why: a limit, one of our own checks made while
     * the body was parsed (JSON tensors are checked as they stream in), or Jackson, whose
     * messages name Java types and are rewritten to name the JSON field at fault.
     */
    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof EdgeException edge) {
                return edge(edge, request);
            }
            if (cause instanceof BodyLimitFilter.BodyTooLargeException tooLarge) {
                return problem(e, Kind.TOO_LARGE, tooLarge.getMessage(), "body", headers, request);
            }
        }
        JsonProblem json = JsonProblem.of(e.getMostSpecificCause());
        return problem(e, Kind.INVALID_INPUT, json.detail(), json.field(), headers, request);
    }

    /** Spring's own errors get a {@code field} where one is to blame, like ours. */
    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception e, Object body, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        ResponseEntity<Object> response = super.handleExceptionInternal(e, body, headers, status, request);
        if (response != null && response.getBody() instanceof ProblemDetail problem) {
            String field = fieldOf(e);
            if (field != null) {
                problem.setProperty(FIELD, field);
            }
        }
        return response;
    }

    private static String fieldOf(Exception e) {
        if (e instanceof TypeMismatchException mismatch) {
            return mismatch.getPropertyName();
        }
        if (e instanceof MissingServletRequestParameterException missing) {
            return missing.getParameterName();
        }
        if (e instanceof MissingServletRequestPartException missing) {
            return missing.getRequestPartName();
        }
        if (e instanceof MethodArgumentNotValidException invalid && invalid.getFieldError() != null) {
            FieldError error = invalid.getFieldError();
            return error.getField();
        }
        return null;
    }

    private ResponseEntity<Object> problem(Exception e, Kind kind, String detail, String field, HttpHeaders headers,
            WebRequest request) {
        HttpStatus status = status(kind);
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create("about:blank"));
        if (field != null) {
            problem.setProperty(FIELD, field);
        }
        return super.handleExceptionInternal(e, problem, headers, status, request);
    }

}
