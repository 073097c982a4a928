package dev.edgetrainer.server.checkpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Stop and start the real server on the same checkpoint directory: learned weights
 * survive, corrupt ones never load.
 */
class RestartTests {

    @TempDir
    Path dir;

    private static JsonNode post(RestClient http, String path, Object json) {
        RestClient.RequestBodySpec request = http.post().uri(path);
        if (json != null) {
            request.contentType(MediaType.APPLICATION_JSON).body(json);
        }
        return request.retrieve().body(JsonNode.class);
    }

    private static JsonNode infer(RestClient http) {
        return http.post()
            .uri("/infer")
            .contentType(MediaType.APPLICATION_JSON)
            .body(Map.of("x", List.of(TestFixtures.sample(1), TestFixtures.sample(2))))
            .retrieve()
            .body(JsonNode.class)
            .get("predictions");
    }

    private static void train(RestClient http, int epochs) {
        JsonNode job = post(http, "/train",
                Map.of("x", TestFixtures.batch(10), "y", TestFixtures.labels(10), "epochs", epochs));
        assertThat(job.get("status").asString()).isEqualTo("SUCCEEDED");
    }

    @Test
    void trainedWeightsSurviveARestart() {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        JsonNode before;
        String id;
        try (ConfigurableApplicationContext server = RunningServer.start(model, dir.resolve("ckpt"))) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            train(http, 3);
            id = post(http, "/checkpoint/save", null).get("id").asString();
            before = infer(http);
        }

        try (ConfigurableApplicationContext server = RunningServer.start(model, dir.resolve("ckpt"))) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            assertThat(infer(http)).isEqualTo(before);
            JsonNode health = http.get().uri("/actuator/health").retrieve().body(JsonNode.class);
            JsonNode restore = health.get("components").get("model").get("details").get("lastRestore");
            assertThat(restore.get("restored").asString()).isEqualTo(id);
            assertThat(health.get("components").get("model").get("details").get("step").asInt()).isEqualTo(3);
        }
    }

    @Test
    void aCorruptNewestCheckpointIsSkippedAndTheOlderOneRestored() throws Exception {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        Path checkpoints = dir.resolve("ckpt");
        JsonNode older;
        String olderId;
        String newestId;
        try (ConfigurableApplicationContext server = RunningServer.start(model, checkpoints)) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            train(http, 1);
            olderId = post(http, "/checkpoint/save", null).get("id").asString();
            older = infer(http);
            train(http, 2);
            newestId = post(http, "/checkpoint/save", null).get("id").asString();
            assertThat(infer(http)).isNotEqualTo(older);
        }
        Path newest = checkpoints.resolve(newestId + ".weights");
        byte[] bytes = Files.readAllBytes(newest);
        bytes[bytes.length - 100] ^= 0x01;
        Files.write(newest, bytes);

        try (ConfigurableApplicationContext server = RunningServer.start(model, checkpoints)) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            assertThat(infer(http)).isEqualTo(older);
            JsonNode details = RunningServer.modelHealth(http);
            assertThat(details.get("lastRestore").get("restored").asString()).isEqualTo(olderId);
            assertThat(details.get("lastRestore").get("skipped").get(0).get("id").asString()).isEqualTo(newestId);
            assertThat(details.get("lastRestore").get("skipped").get(0).get("reason").asString()).contains("SHA-256");
            String scrape = http.get().uri("/actuator/prometheus").retrieve().body(String.class);
            assertThat(scrape).containsPattern("(?m)^edge_restore_failures_total\\{device=\"[^\"]+\"\\} 1\\.0$");
        }
        assertThat(Files.readAllBytes(newest)).isEqualTo(bytes);
    }

}
