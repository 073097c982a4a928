package dev.edgetrainer.server.system;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

import dev.edgetrainer.model.data.IdxFormatException;
import dev.edgetrainer.model.tensor.CorruptCheckpointException;
import dev.edgetrainer.server.system.EdgeException.Kind;
import org.junit.jupiter.api.Test;

import org.springframework.http.HttpHeaders;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;

import static org.assertj.core.api.Assertions.assertThat;

class ProblemHandlerTests {

    private final ProblemHandler handler = new ProblemHandler();

    private final WebRequest request = new ServletWebRequest(new MockHttpServletRequest(),
            new MockHttpServletResponse());

    /** What a capability throws; the handler sees only its kind. */
    private static final class Happened extends EdgeException {

        Happened(Kind kind, String field, Duration retryAfter) {
            super(kind, field, "it happened", retryAfter, null);
        }

    }

    private static ProblemDetail problem(ResponseEntity<Object> response) {
        return (ProblemDetail) response.getBody();
    }

    @Test
    void everyKindHasItsOwnStatus() {
        Map<Kind, Integer> expected = new EnumMap<>(Map.ofEntries(Map.entry(Kind.INVALID_INPUT, 400),
                Map.entry(Kind.UNSUPPORTED_CONTENT, 415), Map.entry(Kind.TOO_LARGE, 413), Map.entry(Kind.TOO_SLOW, 408),
                Map.entry(Kind.NOT_FOUND, 404), Map.entry(Kind.CONFLICT, 409), Map.entry(Kind.PRECONDITION_FAILED, 412),
                Map.entry(Kind.REJECTED, 422), Map.entry(Kind.UNAUTHORIZED, 401), Map.entry(Kind.BUSY, 503),
                Map.entry(Kind.STOPPING, 503), Map.entry(Kind.STORAGE_FULL, 507), Map.entry(Kind.NOT_IMPLEMENTED, 501),
                Map.entry(Kind.SERVER_FAULT, 500)));

        assertThat(expected.keySet()).containsExactly(Kind.values());
        expected.forEach((kind, status) -> {
            ResponseEntity<Object> response = handler.edge(new Happened(kind, "f", null), request);
            assertThat(response.getStatusCode().value()).as(kind.name()).isEqualTo(status);
            assertThat(problem(response).getStatus()).isEqualTo(status);
            assertThat(problem(response).getDetail()).isEqualTo("it happened");
            assertThat(problem(response).getProperties()).containsEntry("field", "f");
        });
    }

    @Test
    void aBusyEngineSaysWhenToRetry() {
        ResponseEntity<Object> response = handler.edge(new Happened(Kind.BUSY, null, Duration.ofMillis(2500)), request);

        assertThat(response.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("2");
        assertThat(problem(response).getProperties()).isNullOrEmpty();
    }

    @Test
    void aMissingTokenAsksForBearer() {
        ResponseEntity<Object> response = handler.edge(new Happened(Kind.UNAUTHORIZED, "Authorization", null), request);

        assertThat(response.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).isEqualTo("Bearer");
        assertThat(response.getHeaders().containsHeader(HttpHeaders.RETRY_AFTER)).isFalse();
    }

    @Test
    void aMalformedIdxFileBlamesThePartItCameIn() {
        ResponseEntity<Object> response = handler.idxFormat(
                new IdxFormatException("labels", "labels: truncated: expected 8 header bytes, found 3"), request);

        assertThat(response.getStatusCode().value()).isEqualTo(400);
        assertThat(problem(response).getProperties()).containsEntry("field", "labels");
    }

    @Test
    void aCorruptCheckpointIsUnprocessable() {
        ResponseEntity<Object> response = handler.corruptCheckpoint(new CorruptCheckpointException("checksum mismatch"),
                request);

        assertThat(response.getStatusCode().value()).isEqualTo(422);
        assertThat(problem(response).getDetail()).isEqualTo("checksum mismatch");
    }

}
