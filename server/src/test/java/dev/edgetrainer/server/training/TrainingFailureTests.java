package dev.edgetrainer.server.training;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.edgetrainer.model.graph.MlpModelWriter;
import dev.edgetrainer.server.ModelSurgery;
import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
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
 * A model whose own train signature cannot run, on any batch, is reported as the model's
 * defect; every failed job says why in the log at WARN.
 */
@ExtendWith(OutputCaptureExtension.class)
class TrainingFailureTests {

    @TempDir
    Path dir;

    @Test
    void aTrainSignatureThatCannotRunIsTheModelsDefectNotTheCallersMistake(CapturedOutput output) throws Exception {
        Path model = TestFixtures.writeModel(dir, "broken-train.tflite",
                ModelSurgery.impossibleReshapeInTrain(MlpModelWriter.write(TestFixtures.SMALL), 28 * 28));
        try (ConfigurableApplicationContext server = RunningServer.start(model, dir.resolve("checkpoints"))) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            Map<String, Object> sample = Map.of("x", TestFixtures.sample(1));
            JsonNode before = post(http, "/infer", sample).getBody().get("predictions");

            ResponseEntity<JsonNode> sync = post(http, "/train",
                    Map.of("x", TestFixtures.batch(3), "y", List.of(1, 2, 3)));
            ResponseEntity<JsonNode> async = post(http, "/train",
                    Map.of("x", TestFixtures.batch(5), "y", List.of(1, 2, 3, 4, 5), "async", true));

            assertThat(sync.getStatusCode().value()).as(String.valueOf(sync.getBody())).isEqualTo(500);
            assertThat(sync.getBody().get("detail").asString())
                .contains("step 1 failed: the model's 'train' signature (its train role) failed on a batch that fits "
                        + "its declared inputs (x: float32[-1, 28, 28], y: float32[-1, 10])")
                .contains("a defect of the model or the device, not of the request")
                .contains("a check in a TFLite kernel failed (two values that must be equal differ")
                .doesNotContain("%d")
                .doesNotContain("Node number");
            assertThat(async.getStatusCode().value()).isEqualTo(202);
            JsonNode job = awaitFinished(http, async.getHeaders().getLocation().getPath());
            assertThat(job.get("status").asString()).isEqualTo("FAILED");
            assertThat(job.get("error").asString()).contains("the model's 'train' signature");
            JsonNode details = modelHealth(http);
            assertThat(details.get("faults").get("train").get("signature").asString()).isEqualTo("train");
            assertThat(output).containsPattern("WARN .* Training job \\S+ FAILED after 0 steps: step 1 failed: "
                    + "the model's 'train' signature");
            assertThat(post(http, "/infer", sample).getBody().get("predictions")).isEqualTo(before);
        }
    }

    private static JsonNode awaitFinished(RestClient http, String location) throws InterruptedException {
        for (int i = 0; i < 1500; i++) {
            JsonNode job = http.get().uri(location).retrieve().body(JsonNode.class);
            if (job.get("finishedAt") != null) {
                return job;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("job " + location + " did not finish");
    }

}
