package dev.edgetrainer.server.checkpoint;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.edgetrainer.server.ModelSurgery;
import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;

import static dev.edgetrainer.server.RunningServer.modelHealth;
import static dev.edgetrainer.server.RunningServer.post;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Models that write their checkpoints themselves ({@code save(checkpoint_path)}), with
 * the path declared in each shape converters give it, written for these tests: saved,
 * restored, restored at startup and shared by upload. When such a model fails the
 * server's own call, the model is blamed (500, logged, in health), never the caller.
 */
@ExtendWith(OutputCaptureExtension.class)
class PathCheckpointShapesTests {

    @TempDir
    Path dir;

    private static JsonNode infer(RestClient http) {
        ResponseEntity<JsonNode> answer = post(http, "/infer", Map.of("x", TestFixtures.sample(1)));
        assertThat(answer.getStatusCode().value()).as(String.valueOf(answer.getBody())).isEqualTo(200);
        return answer.getBody().get("predictions").get(0).get("probabilities");
    }

    private static void train(RestClient http) {
        ResponseEntity<JsonNode> trained = post(http, "/train",
                Map.of("x", TestFixtures.batch(4), "y", List.of(1, 2, 3, 4), "epochs", 3));
        assertThat(trained.getStatusCode().value()).as(String.valueOf(trained.getBody())).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(ints = { 1, -1 })
    void aPathOfAnyDeclaredShapeIsSavedRestoredRestoredAtStartupAndShared(int shape) {
        Path model = TestFixtures.writeModel(dir, "path.tflite", TestFixtures.pathStyle(shape));
        Path checkpoints = dir.resolve("checkpoints");
        JsonNode learned;
        String saved;
        byte[] file;
        try (ConfigurableApplicationContext server = RunningServer.start(model, checkpoints)) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            JsonNode original = infer(http);
            train(http);
            ResponseEntity<JsonNode> save = post(http, "/checkpoint/save", null);
            assertThat(save.getStatusCode().value()).as(String.valueOf(save.getBody())).isEqualTo(201);
            assertThat(save.getBody().get("style").asString()).isEqualTo("PATH");
            saved = save.getBody().get("id").asString();
            learned = infer(http);
            assertThat(learned).isNotEqualTo(original);

            post(http, "/checkpoint/reset", null);
            assertThat(infer(http)).isEqualTo(original);
            ResponseEntity<JsonNode> restored = post(http, "/checkpoint/restore", Map.of("id", saved));
            assertThat(restored.getStatusCode().value()).as(String.valueOf(restored.getBody())).isEqualTo(200);
            assertThat(infer(http)).isEqualTo(learned);
            file = http.get().uri("/checkpoints/" + saved + "/file").retrieve().body(byte[].class);
        }
        try (ConfigurableApplicationContext server = RunningServer.start(model, checkpoints)) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            assertThat(modelHealth(http).get("checkpoint").asString()).isEqualTo(saved);
            assertThat(infer(http)).isEqualTo(learned);

            post(http, "/checkpoint/reset", null);
            ResponseEntity<JsonNode> uploaded = RunningServer.upload(http, "from-a-peer", file);
            assertThat(uploaded.getStatusCode().value()).isEqualTo(201);
            ResponseEntity<JsonNode> restored = post(http, "/checkpoint/restore", Map.of("id", "from-a-peer"));
            assertThat(restored.getStatusCode().value()).as(String.valueOf(restored.getBody())).isEqualTo(200);
            assertThat(infer(http)).isEqualTo(learned);
            assertThat(modelHealth(http).has("faults")).isFalse();
        }
    }

    @Test
    void aSaveTheModelCannotDoIsItsFaultLoggedAndShownInHealth(CapturedOutput output) {
        Path model = TestFixtures.writeModel(dir, "bad-save.tflite",
                ModelSurgery.saveThatAlwaysFails(TestFixtures.pathStyle(1)));
        try (ConfigurableApplicationContext server = RunningServer.start(model, dir.resolve("checkpoints"))) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);

            ResponseEntity<JsonNode> save = post(http, "/checkpoint/save", null);

            assertThat(save.getStatusCode().value()).as(String.valueOf(save.getBody())).isEqualTo(500);
            assertThat(save.getBody().get("detail").asString())
                .startsWith("the model's 'save' signature (its save role) failed on the server's own call")
                .contains("not of the request")
                .contains("FlexSave");
            assertThat(save.getBody().has("field")).isFalse();
            assertThat(modelHealth(http).get("faults").get("save").get("signature").asString()).isEqualTo("save");
            assertThat(output).contains("WARN").contains("The model's save role (signature 'save') failed: ");
            assertThat(http.get().uri("/checkpoints").retrieve().body(JsonNode.class).get("checkpoints")).isEmpty();
        }
    }

    @Test
    void aCheckpointTheModelSavedButCannotRestoreIsTheModelsFaultNotTheCheckpoints(CapturedOutput output) {
        Path model = TestFixtures.writeModel(dir, "bad-restore.tflite",
                ModelSurgery.restoreThatAlwaysFails(TestFixtures.pathStyle(1)));
        Path checkpoints = dir.resolve("checkpoints");
        String saved;
        try (ConfigurableApplicationContext server = RunningServer.start(model, checkpoints)) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            train(http);
            ResponseEntity<JsonNode> save = post(http, "/checkpoint/save", null);
            assertThat(save.getStatusCode().value()).isEqualTo(201);
            saved = save.getBody().get("id").asString();
            JsonNode learned = infer(http);

            ResponseEntity<JsonNode> byId = post(http, "/checkpoint/restore", Map.of("id", saved));
            ResponseEntity<JsonNode> newest = post(http, "/checkpoint/restore", null);

            assertThat(byId.getStatusCode().value()).as(String.valueOf(byId.getBody())).isEqualTo(500);
            assertThat(byId.getBody().get("detail").asString())
                .startsWith("the model's 'restore' signature (its restore role) failed on checkpoint " + saved
                        + ", which this model saved itself")
                .contains("tensor 'nope' is not in the checkpoint");
            assertThat(newest.getStatusCode().value()).isEqualTo(500);
            assertThat(modelHealth(http).get("faults").get("restore").get("signature").asString()).isEqualTo("restore");
            assertThat(infer(http)).isEqualTo(learned);

            // The same file from another device is that file's problem: 422.
            byte[] file = http.get().uri("/checkpoints/" + saved + "/file").retrieve().body(byte[].class);
            assertThat(RunningServer.upload(http, "peer", file).getStatusCode().value()).isEqualTo(201);
            assertThat(post(http, "/checkpoint/restore", Map.of("id", "peer")).getStatusCode().value()).isEqualTo(422);
        }
        try (ConfigurableApplicationContext server = RunningServer.start(model, checkpoints)) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            JsonNode details = modelHealth(http);
            assertThat(details.get("faults").get("restore").get("message").asString()).contains("nope");
            assertThat(
                    details.get("lastRestore").get("skipped").valueStream().map(skip -> skip.get("reason").asString()))
                .anySatisfy(reason -> assertThat(reason).contains("which this model saved itself"));
            assertThat(output).contains("WARN").contains("The model's restore role (signature 'restore') failed");
        }
    }

}
