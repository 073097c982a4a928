package dev.edgetrainer.server.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.ResponseEntity;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeping samples through {@code POST /train?keep=true}: all or nothing with the request,
 * visible in {@code GET /data}, forgotten by {@code DELETE /data}, kept across a restart.
 */
class DataEndToEndTests extends RunningServer {

    @TempDir
    Path dir;

    @BeforeEach
    void noSamples() {
        assertThat(delete("/data").getBody().get("samples").asInt()).isZero();
    }

    @Test
    void keepsTheSamplesOfASucceededRequestInEveryFormat() {
        ResponseEntity<JsonNode> json = post("/train?keep=true",
                Map.of("x", TestFixtures.batch(20), "y", TestFixtures.labels(20)));
        assertThat(json.getBody().get("kept").asInt()).isEqualTo(20);
        MultiValueMap<String, Object> idx = parts();
        idx.add("images", file(TestFixtures.idxImages(30), "images"));
        idx.add("labels", file(TestFixtures.idxLabels(30), "labels"));
        assertThat(postParts("/train?keep=true", idx).getBody().get("kept").asInt()).isEqualTo(30);
        MultiValueMap<String, Object> images = parts();
        images.add("image", file(TestFixtures.png(1), "a.png"));
        images.add("label", "Trouser");
        assertThat(postParts("/train?keep=true", images).getBody().get("kept").asInt()).isEqualTo(1);
        assertThat(
                post("/train", Map.of("x", TestFixtures.batch(5), "y", TestFixtures.labels(5))).getBody().has("kept"))
            .as("not kept unless asked (edge.data.keep is false)")
            .isFalse();

        JsonNode data = get("/data").getBody();
        assertThat(data.get("samples").asInt()).isEqualTo(51);
        assertThat(data.get("training").asInt() + data.get("validation").asInt()).isEqualTo(51);
        assertThat(data.get("classes").get("T-shirt/top").asInt()).isEqualTo(5);
        assertThat(data.get("classes").get("Trouser").asInt()).isEqualTo(6);
        assertThat(data.get("bytes").asLong()).as("pixels as bytes, JSON as floats")
            .isBetween(30 * 784L + 784 + 20 * 784 * 4, 30 * 784L + 784 + 20 * 784 * 4 + 2000);
        assertThat(get("/actuator/metrics/edge.data.samples").getBody().get("measurements").get(0).get("value").asInt())
            .isEqualTo(51);
    }

    @Test
    void aRefusedOrFailedRequestKeepsNothing() throws InterruptedException {
        Map<String, Object> badLabel = Map.of("x", TestFixtures.batch(2), "y", List.of(1, 10));
        assertProblem(post("/train?keep=true", badLabel), 400, "y[1]");
        List<List<List<Float>>> diverging = new ArrayList<>(TestFixtures.batch(3));
        diverging.add(Collections.nCopies(28, Collections.nCopies(28, 3e38f)));
        assertProblem(
                post("/train?keep=true",
                        Map.of("x", diverging, "y", TestFixtures.labels(4), "batchSize", 4, "shuffle", false)),
                422, null);

        ResponseEntity<JsonNode> running = post("/train?async=true&epochs=1000&batchSize=1",
                Map.of("x", TestFixtures.batch(50), "y", TestFixtures.labels(50)));
        String job = running.getBody().get("id").asString();
        assertProblem(post("/train?keep=true", Map.of("x", TestFixtures.batch(2), "y", TestFixtures.labels(2))), 409,
                null);
        delete("/train/jobs/" + job);
        awaitJob("/train/jobs/" + job, j -> !j.get("status").asString().equals("RUNNING"));

        assertThat(get("/data").getBody().get("samples").asInt()).isZero();
    }

    @Test
    void clearingForgetsEverySampleForGood() {
        post("/train?keep=true", Map.of("x", TestFixtures.batch(4), "y", TestFixtures.labels(4)));
        JsonNode cleared = delete("/data").getBody();
        assertThat(cleared.get("samples").asInt()).isZero();
        assertThat(get("/data").getBody().get("classes").get("Trouser").asInt()).isZero();
    }

    @Test
    void keptSamplesSurviveARestart() {
        Path checkpoints = dir.resolve("checkpoints");
        String[] args = { "--edge.data.dir=" + dir.resolve("samples"), "--edge.data.keep=true" };
        try (ConfigurableApplicationContext server = RunningServer.start(MODEL, checkpoints, args)) {
            RestClient client = RunningServer.client(RunningServer.port(server), null);
            assertThat(client.post()
                .uri("/train")
                .body(Map.of("x", TestFixtures.batch(12), "y", TestFixtures.labels(12)))
                .retrieve()
                .body(JsonNode.class)
                .get("kept")
                .asInt()).as("edge.data.keep=true keeps by default").isEqualTo(12);
        }
        try (ConfigurableApplicationContext server = RunningServer.start(MODEL, checkpoints, args)) {
            RestClient client = RunningServer.client(RunningServer.port(server), null);
            JsonNode data = client.get().uri("/data").retrieve().body(JsonNode.class);
            assertThat(data.get("samples").asInt()).isEqualTo(12);
            assertThat(data.get("recovered").get("records").asInt()).isZero();
        }
    }

}
