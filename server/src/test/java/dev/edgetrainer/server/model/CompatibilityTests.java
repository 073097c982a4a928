package dev.edgetrainer.server.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;

import static dev.edgetrainer.server.RunningServer.post;
import static org.assertj.core.api.Assertions.assertThat;

/** Converter-made models from ../shared/models, and the bundled default model. */
class CompatibilityTests {

    @TempDir
    Path dir;

    private static Path shared(String name) {
        Path model = TestFixtures.sharedModels().resolve(name);
        Assumptions.assumeTrue(Files.exists(model), "skipped: " + model + " is absent (shared test models)");
        return model;
    }

    private static double value(RestClient http, List<?> x, int sample) {
        return post(http, "/infer", Map.of("x", x)).getBody()
            .get("predictions")
            .get(sample)
            .get("values")
            .get(0)
            .asDouble();
    }

    @Test
    void aTensorStyleConverterModelTrainsSavesAndRestores() {
        Path model = shared("linear-builtin.tflite");
        try (ConfigurableApplicationContext server = RunningServer.start(model, dir.resolve("ckpt"))) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            JsonNode answer = post(http, "/infer", Map.of("x", List.of(2.0))).getBody();
            assertThat(answer.get("output").asString()).isEqualTo("regression");
            assertThat(answer.get("predictions").get(0).has("label")).isFalse();
            double original = value(http, List.of(2.0), 0);

            ResponseEntity<JsonNode> trained = post(http, "/train", Map.of("x", List.of(List.of(1.0), List.of(2.0)),
                    "y", List.of(List.of(3.0), List.of(5.0)), "epochs", 20));

            assertThat(trained.getStatusCode().value()).isEqualTo(200);
            assertThat(trained.getBody().get("steps").asInt()).isEqualTo(40);
            ResponseEntity<JsonNode> saved = post(http, "/checkpoint/save", null);
            assertThat(saved.getStatusCode().value()).isEqualTo(201);
            assertThat(saved.getBody().get("style").asString()).isEqualTo("TENSORS");
            double learned = value(http, List.of(2.0), 0);
            assertThat(learned).isNotEqualTo(original);
            post(http, "/checkpoint/reset", null);
            assertThat(value(http, List.of(2.0), 0)).isEqualTo(original);
            assertThat(post(http, "/checkpoint/restore", null).getStatusCode().value()).isEqualTo(200);
            assertThat(value(http, List.of(List.of(2.0), List.of(2.0)), 1)).isEqualTo(learned);
        }
    }

    @Test
    void aPathStyleFlexModelCheckpointsThroughItsOwnSignatures() {
        Path model = shared("tutorial-mnist-flex.tflite");
        Path checkpoints = dir.resolve("ckpt");
        try (ConfigurableApplicationContext server = RunningServer.start(model, checkpoints,
                "--edge.model.class-names=0,1,2,3,4,5,6,7,8,9")) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            Map<String, Object> sample = Map.of("x", TestFixtures.sample(1));

            ResponseEntity<JsonNode> trained = post(http, "/train",
                    Map.of("x", TestFixtures.batch(4), "y", List.of(1, 2, 3, 4)));
            ResponseEntity<JsonNode> saved = post(http, "/checkpoint/save", null);
            JsonNode learned = post(http, "/infer", sample).getBody().get("predictions");
            post(http, "/checkpoint/reset", null);
            JsonNode original = post(http, "/infer", sample).getBody().get("predictions");
            ResponseEntity<JsonNode> restored = post(http, "/checkpoint/restore", null);

            assertThat(trained.getStatusCode().value()).as(String.valueOf(trained.getBody())).isEqualTo(200);
            assertThat(saved.getStatusCode().value()).as(String.valueOf(saved.getBody())).isEqualTo(201);
            assertThat(saved.getBody().get("style").asString()).isEqualTo("PATH");
            assertThat(checkpoints.resolve(saved.getBody().get("id").asString() + ".ckpt")).exists();
            assertThat(original).isNotEqualTo(learned);
            assertThat(restored.getStatusCode().value()).isEqualTo(200);
            assertThat(post(http, "/infer", sample).getBody().get("predictions")).isEqualTo(learned);
            assertThat(learned.get(0).get("logits")).hasSize(10);
        }
    }

    @Test
    void theBundledModelIsServedByDefault() {
        try (ConfigurableApplicationContext server = RunningServer.start(null, dir.resolve("ckpt"))) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);

            JsonNode info = http.get().uri("/actuator/info").retrieve().body(JsonNode.class);
            JsonNode prediction = http.post()
                .uri("/infer")
                .contentType(MediaType.IMAGE_PNG)
                .body(TestFixtures.png(1))
                .retrieve()
                .body(JsonNode.class)
                .get("predictions")
                .get(0);

            assertThat(info.get("model").get("source").asString()).isEqualTo("classpath:models/fashion-mnist.tflite");
            assertThat(info.get("model").get("classNames")).hasSize(10);
            assertThat(info.get("model").get("signatures").toString()).contains("x: float32[-1, 28, 28]");
            assertThat(prediction.get("probabilities")).hasSize(10);
            assertThat(info.get("model").get("classNames").valueStream().map(JsonNode::asString).toList())
                .contains(prediction.get("label").asString());
        }
    }

}
