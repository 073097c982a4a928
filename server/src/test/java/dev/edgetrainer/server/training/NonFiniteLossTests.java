package dev.edgetrainer.server.training;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.edgetrainer.model.graph.MlpSpec;
import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A step whose loss is NaN or infinite is undone with the real runtime: the weights are
 * as before that step.
 */
class NonFiniteLossTests {

    /**
     * A learning rate so large that the first step blows the weights up and the second
     * overflows.
     */
    private static final MlpSpec EXPLODING = new MlpSpec(new int[] { 28, 28 }, new int[] { 16 }, 10, 1e30f, 1);

    @TempDir
    Path dir;

    @Test
    void aDivergingStepIsUndoneAndReported() {
        Path model = TestFixtures.writeModel(dir, EXPLODING);
        try (ConfigurableApplicationContext server = RunningServer.start(model, dir.resolve("checkpoints"))) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            Map<String, Object> batch = Map.of("x", TestFixtures.batch(4), "y", List.of(1, 2, 3, 4), "batchSize", 4,
                    "shuffle", false);

            ResponseEntity<JsonNode> first = post(http, "/train", batch);
            assertThat(first.getStatusCode().value()).as(String.valueOf(first.getBody())).isEqualTo(200);
            String afterFirstStep = weightsSha256(http);

            ResponseEntity<JsonNode> second = post(http, "/train", batch);
            assertThat(second.getStatusCode().value()).as(String.valueOf(second.getBody())).isEqualTo(422);
            assertThat(second.getHeaders().getContentType().toString()).startsWith("application/problem+json");
            assertThat(second.getBody().get("detail").asString()).contains("produced loss")
                .contains("the weights were put back as they were before that step");
            assertThat(weightsSha256(http)).isEqualTo(afterFirstStep);
        }
    }

    @Test
    void aStepThatDivergesMidEpochIsUndoneByReplayingFromTheLastSnapshot() {
        Path model = TestFixtures.writeModel(dir, EXPLODING);
        try (ConfigurableApplicationContext server = RunningServer.start(model, dir.resolve("checkpoints"))) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            List<List<List<Float>>> x = TestFixtures.batch(4);

            // The first batch alone: the weights the undo must come back to.
            assertThat(post(http, "/train",
                    Map.of("x", x.subList(0, 2), "y", List.of(1, 2), "batchSize", 2, "shuffle", false))
                .getStatusCode()
                .value()).isEqualTo(200);
            String afterFirstBatch = weightsSha256(http);
            post(http, "/checkpoint/reset", null);

            // Both batches in one epoch: the second step overflows and is undone
            // (snapshot, then step 1 replayed).
            ResponseEntity<JsonNode> diverged = post(http, "/train",
                    Map.of("x", x, "y", List.of(1, 2, 3, 4), "batchSize", 2, "shuffle", false));
            assertThat(diverged.getStatusCode().value()).as(String.valueOf(diverged.getBody())).isEqualTo(422);
            assertThat(diverged.getBody().get("detail").asString()).contains("step 2 (epoch 1) produced loss");
            assertThat(weightsSha256(http)).isEqualTo(afterFirstBatch);
        }
    }

    /** Saves a checkpoint and returns the SHA-256 of its weights file. */
    private static String weightsSha256(RestClient http) {
        return post(http, "/checkpoint/save", null).getBody().get("sha256").asString();
    }

    private static ResponseEntity<JsonNode> post(RestClient http, String path, Object json) {
        RestClient.RequestBodySpec request = http.post().uri(path);
        if (json != null) {
            request.contentType(MediaType.APPLICATION_JSON).body(json);
        }
        return request.retrieve().toEntity(JsonNode.class);
    }

}
