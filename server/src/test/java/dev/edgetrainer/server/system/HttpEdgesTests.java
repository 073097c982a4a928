package dev.edgetrainer.server.system;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import dev.edgetrainer.server.HostileInputs.Multipart;
import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The edges of HTTP on the real server: multipart part counts as the README promises,
 * Jackson's errors as problems naming the JSON field without Java's type names, the error
 * page, and a log without stack traces for anything the client did.
 */
@ExtendWith(OutputCaptureExtension.class)
class HttpEdgesTests extends RunningServer {

    @Test
    void asManyImagesAsEdgeInferMaxSamplesAreInferredInOneRequest() {
        Multipart images = new Multipart();
        for (int i = 0; i < 256; i++) {
            images.file("image", i + ".png", TestFixtures.png(i));
        }

        ResponseEntity<JsonNode> answer = postMultipart("/infer", images);

        assertThat(answer.getStatusCode().value()).as("%s", answer.getBody()).isEqualTo(200);
        assertThat(answer.getBody().path("predictions").size()).isEqualTo(256);
    }

    @Test
    void aFloodOfPartsIsRefusedNamingTheLimit() {
        Multipart flood = new Multipart();
        for (int i = 0; i < 5000; i++) {
            flood.field("label", "1");
        }

        ResponseEntity<JsonNode> answer = postMultipart("/infer", flood);

        assertProblem(answer, 413, "body");
        assertThat(answer.getBody().path("detail").asString()).contains("more than 528 parts")
            .contains("edge.infer.max-samples");
    }

    @Test
    void jsonErrorsNameTheJsonFieldAndNoJavaType() {
        Map<String, String> bodies = Map.of("{\"x\": [[0]], \"y\": [1], \"epochs\": \"many\"}", "epochs",
                "{\"x\": [[0]], \"y\": [1], \"shuffle\": {\"a\": 1}}", "shuffle", "{\"x\": [[0]], \"y\": [1, \"two\"]}",
                "y[1]", "{\"x\": [[0]], \"y\": [1],", "body", "[1, 2]", "body");
        bodies.forEach((body, field) -> {
            ResponseEntity<JsonNode> answer = postBytes("/train", body.getBytes(StandardCharsets.UTF_8),
                    MediaType.APPLICATION_JSON);

            assertProblem(answer, 400, field);
            assertThat(answer.getBody().path("detail").asString()).as(body)
                .doesNotContain("java.")
                .doesNotContain("Integer")
                .doesNotContain("Boolean")
                .doesNotContain("jackson")
                .doesNotContain("TrainRequest");
        });
    }

    @Test
    void theErrorPageAskedForDirectlyIsANotFoundProblem() {
        ResponseEntity<JsonNode> answer = get("/error");

        assertProblem(answer, 404, null);
    }

    @Test
    void requestsTheClientGotWrongLeaveNoStackTraceInTheLog(CapturedOutput output) throws IOException {
        postBytes("/train", "{\"x\": [".getBytes(StandardCharsets.UTF_8), MediaType.APPLICATION_JSON);
        postBytes("/infer", "not an image".getBytes(StandardCharsets.UTF_8), MediaType.IMAGE_PNG);
        postBytes("/infer", new byte[3 << 20], MediaType.IMAGE_PNG);
        postBytes("/infer", "--b\r\nbroken".getBytes(StandardCharsets.UTF_8),
                MediaType.parseMediaType("multipart/form-data; boundary=b"));
        post("/train", Map.of("x", List.of(1), "y", List.of(1), "epochs", 0));
        get("/no/such/path");
        delete("/infer");
        get("/error");
        for (int i = 0; i < 20; i++) {
            abandonBody();
        }

        assertThat(output.getAll()).doesNotContain("\tat ").doesNotContain("ERROR");
    }

    /** Announces a body of 1000 bytes, sends 10 and hangs up. */
    private void abandonBody() throws IOException {
        try (Socket socket = new Socket("localhost", port())) {
            OutputStream out = socket.getOutputStream();
            out.write(
                    ("POST /infer HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/png\r\nContent-Length: 1000\r\n\r\n"
                            + "0123456789")
                        .getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
    }

    private ResponseEntity<JsonNode> postMultipart(String path, Multipart body) {
        return postBytes(path, body.bytes(), MediaType.parseMediaType(body.contentType()));
    }

    private int port() {
        return uri("/").getPort();
    }

}
