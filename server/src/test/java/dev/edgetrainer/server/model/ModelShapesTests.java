package dev.edgetrainer.server.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.edgetrainer.model.graph.MlpModelWriter;
import dev.edgetrainer.model.graph.MlpModelWriter.Role;
import dev.edgetrainer.model.graph.MlpSpec;
import dev.edgetrainer.model.graph.MlpSpec.Head;
import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;

import static dev.edgetrainer.server.RunningServer.modelHealth;
import static dev.edgetrainer.server.RunningServer.post;
import static dev.edgetrainer.server.RunningServer.postParts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The shapes of trainable models people bring, each written for these tests: without an
 * infer signature (Flower's), with roles under other names, with one sigmoid output
 * (binary), and with values to predict (regression).
 */
class ModelShapesTests {

    @TempDir
    Path dir;

    private static void assertStatus(ResponseEntity<JsonNode> response, int status) {
        assertThat(response.getStatusCode().value()).as(String.valueOf(response.getBody())).isEqualTo(status);
    }

    @Test
    void aModelWithoutInferTrainsAndCheckpointsAndInferAnswers501NamingTheSetting() {
        Map<Role, String> flower = MlpModelWriter.defaultSignatures();
        flower.remove(Role.INFER);
        flower.put(Role.SAVE, "parameters");
        Path model = TestFixtures.writeModel(dir, "flower.tflite", TestFixtures.withRoles(flower));
        try (ConfigurableApplicationContext server = RunningServer.start(model, dir.resolve("checkpoints"))) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);

            ResponseEntity<JsonNode> json = post(http, "/infer", Map.of("x", TestFixtures.sample(1)));
            ResponseEntity<JsonNode> png = http.post()
                .uri("/infer")
                .contentType(MediaType.IMAGE_PNG)
                .body(TestFixtures.png(1))
                .retrieve()
                .toEntity(JsonNode.class);

            assertStatus(json, 501);
            assertThat(json.getBody().get("detail").asString()).isEqualTo("this model cannot infer: the model has no "
                    + "signature 'infer'; its signatures are [train, parameters, restore]. If one of them infers, "
                    + "set edge.model.signatures.infer to its name");
            assertStatus(png, 501);
            assertStatus(post(http, "/train", Map.of("x", TestFixtures.batch(4), "y", List.of(1, 2, 3, 4))), 200);
            MultiValueMap<String, Object> parts = RunningServer.parts();
            parts.add("images", RunningServer.file(TestFixtures.idxImages(8), "images.idx"));
            parts.add("labels", RunningServer.file(TestFixtures.idxLabels(8), "labels.idx"));
            assertStatus(postParts(http, "/train", parts), 200);
            ResponseEntity<JsonNode> saved = post(http, "/checkpoint/save", null);
            assertStatus(saved, 201);
            assertThat(saved.getBody().get("style").asString()).isEqualTo("TENSORS");
            assertStatus(post(http, "/checkpoint/restore", null), 200);
            JsonNode health = modelHealth(http);
            assertThat(health.get("roles").get("infer").asString())
                .isEqualTo("none: the model has no signature 'infer'");
            assertThat(health.get("roles").get("save").asString()).isEqualTo("parameters");
            assertThat(health.get("output").asString()).isEqualTo("probabilities");
        }
    }

    @Test
    void rolesMapToSignaturesOfAnyNameThroughTheSettings() {
        Path model = TestFixtures.writeModel(dir, "renamed.tflite", TestFixtures.withRoles(Map.of(Role.TRAIN, "fit",
                Role.INFER, "predict", Role.SAVE, "weights_out", Role.RESTORE, "weights_in")));
        try (ConfigurableApplicationContext server = RunningServer.start(model, dir.resolve("checkpoints"),
                "--edge.model.signatures.infer=predict", "--edge.model.signatures.train=fit",
                "--edge.model.signatures.save=weights_out", "--edge.model.signatures.restore=weights_in")) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            Map<String, Object> sample = Map.of("x", TestFixtures.sample(2));
            JsonNode original = post(http, "/infer", sample).getBody().get("predictions");

            assertStatus(post(http, "/train", Map.of("x", TestFixtures.batch(4), "y", List.of(1, 2, 3, 4))), 200);
            assertStatus(post(http, "/checkpoint/save", null), 201);
            JsonNode learned = post(http, "/infer", sample).getBody().get("predictions");
            assertStatus(post(http, "/checkpoint/reset", null), 200);
            assertThat(post(http, "/infer", sample).getBody().get("predictions")).isEqualTo(original);
            assertStatus(post(http, "/checkpoint/restore", null), 200);

            assertThat(learned).isNotEqualTo(original);
            assertThat(post(http, "/infer", sample).getBody().get("predictions")).isEqualTo(learned);
            assertThat(modelHealth(http).get("roles").toString()).isEqualTo(
                    "{\"infer\":\"predict\",\"train\":\"fit\",\"save\":\"weights_out\",\"restore\":\"weights_in\"}");
        }
    }

    @Test
    void aModelWithASparseLossTrainsOnClassIndicesAndLabels() {
        Path model = TestFixtures.writeModel(dir, "sparse.tflite",
                MlpModelWriter.write(TestFixtures.SMALL.withHead(Head.SPARSE_SOFTMAX)));
        try (ConfigurableApplicationContext server = RunningServer.start(model, dir.resolve("checkpoints"))) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);

            ResponseEntity<JsonNode> json = post(http, "/train",
                    Map.of("x", TestFixtures.batch(8), "y", TestFixtures.labels(8), "epochs", 20));
            MultiValueMap<String, Object> parts = RunningServer.parts();
            parts.add("images", RunningServer.file(TestFixtures.idxImages(8), "images.idx"));
            parts.add("labels", RunningServer.file(TestFixtures.idxLabels(8), "labels.idx"));
            ResponseEntity<JsonNode> idx = postParts(http, "/train", parts);
            ResponseEntity<JsonNode> outOfRange = post(http, "/train",
                    Map.of("x", TestFixtures.batch(1), "y", List.of(10)));

            assertStatus(json, 200);
            JsonNode losses = json.getBody().get("epochLosses");
            assertThat(losses.get(19).asDouble()).isLessThan(losses.get(0).asDouble() / 2);
            assertStatus(idx, 200);
            assertStatus(outOfRange, 400);
            assertThat(outOfRange.getBody().get("field").asString()).isEqualTo("y[0]");
            assertThat(post(http, "/infer", Map.of("x", TestFixtures.sample(1))).getBody().get("output").asString())
                .isEqualTo("probabilities");
        }
    }

    @Test
    void aSigmoidModelIsBinaryAndItsThresholdDecidesTheClass() {
        MlpSpec binary = new MlpSpec(new int[] { 28, 28 }, new int[] { 8 }, 1, 0.5f, 1, Head.SIGMOID);
        Path model = TestFixtures.writeModel(dir, "binary.tflite", MlpModelWriter.write(binary));
        try (ConfigurableApplicationContext server = RunningServer.start(model, dir.resolve("checkpoints"),
                "--edge.model.class-names=plain,striped", "--edge.model.threshold=0.9")) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            Map<String, Object> sample = Map.of("x", TestFixtures.sample(3));

            assertBinary(post(http, "/infer", sample).getBody());
            List<Integer> striped = new ArrayList<>(List.of(1, 1, 1, 1));
            assertStatus(post(http, "/train", Map.of("x", TestFixtures.batch(4), "y", striped, "epochs", 40)), 200);
            JsonNode answer = post(http, "/infer", sample).getBody();
            assertBinary(answer);
            JsonNode prediction = answer.get("predictions").get(0);
            assertThat(prediction.get("probabilities").get(1).asDouble()).isGreaterThan(0.9);
            assertThat(prediction.get("label").asString()).isEqualTo("striped");

            ResponseEntity<JsonNode> outOfRange = post(http, "/train",
                    Map.of("x", TestFixtures.batch(2), "y", List.of(0, 2)));
            assertStatus(outOfRange, 400);
            assertThat(outOfRange.getBody().get("field").asString()).isEqualTo("y[1]");
            MultiValueMap<String, Object> parts = RunningServer.parts();
            parts.add("image", RunningServer.file(TestFixtures.png(1), "a.png"));
            parts.add("label", "plain");
            assertStatus(postParts(http, "/train", parts), 200);
        }
    }

    /** The second class only from the threshold on; both classes ranked. */
    private static void assertBinary(JsonNode answer) {
        assertThat(answer.get("output").asString()).isEqualTo("binary");
        assertThat(answer.get("threshold").asDouble()).isEqualTo(0.9);
        JsonNode prediction = answer.get("predictions").get(0);
        double positive = prediction.get("probabilities").get(1).asDouble();
        assertThat(prediction.get("probabilities").get(0).asDouble()).isCloseTo(1 - positive, within(1e-6));
        assertThat(prediction.get("classIndex").asInt()).isEqualTo(positive >= 0.9 ? 1 : 0);
        assertThat(prediction.get("label").asString()).isEqualTo(positive >= 0.9 ? "striped" : "plain");
        assertThat(prediction.get("logits")).hasSize(1);
        assertThat(prediction.get("top")).hasSize(2);
    }

    @Test
    void aRegressionModelPredictsValuesAndTrainsOnThem() {
        MlpSpec line = new MlpSpec(new int[] { 1 }, new int[0], 1, 0.1f, 1, Head.LINEAR);
        Path model = TestFixtures.writeModel(dir, "line.tflite", MlpModelWriter.write(line));
        try (ConfigurableApplicationContext server = RunningServer.start(model, dir.resolve("checkpoints"),
                "--edge.train.sync-timeout=60s")) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);

            // y = 2x + 1
            ResponseEntity<JsonNode> trained = post(http, "/train",
                    Map.of("x", List.of(List.of(0), List.of(1), List.of(2), List.of(3)), "y", List.of(1, 3, 5, 7),
                            "epochs", 300, "batchSize", 4));
            ResponseEntity<JsonNode> answer = post(http, "/infer", Map.of("x", List.of(List.of(2.5), List.of(-1))));

            assertStatus(trained, 200);
            assertThat(trained.getBody().get("loss").asDouble()).isLessThan(1e-3);
            assertStatus(answer, 200);
            assertThat(answer.getBody().get("output").asString()).isEqualTo("regression");
            JsonNode first = answer.getBody().get("predictions").get(0);
            assertThat(first.get("values").get(0).asDouble()).isCloseTo(6.0, within(0.05));
            assertThat(answer.getBody().get("predictions").get(1).get("values").get(0).asDouble()).isCloseTo(-1.0,
                    within(0.05));
            assertThat(first.has("label")).isFalse();
            assertThat(first.has("probabilities")).isFalse();
            assertThat(first.has("top")).isFalse();

            MultiValueMap<String, Object> parts = RunningServer.parts();
            parts.add("image", RunningServer.file(TestFixtures.png(1), "a.png"));
            parts.add("label", "3.5");
            ResponseEntity<JsonNode> labelled = postParts(http, "/train", parts);
            assertStatus(labelled, 400);
            assertThat(labelled.getBody().get("field").asString()).isEqualTo("label");
            assertThat(labelled.getBody().get("detail").asString()).contains("regression");
        }
    }

}
