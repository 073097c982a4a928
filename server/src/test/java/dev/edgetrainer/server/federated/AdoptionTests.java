package dev.edgetrainer.server.federated;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code edge.federated.adopt=if-better}: a device takes the global weights only when
 * they do at least as well as its own on its validation samples. Against a server whose
 * global model is worse (it starts from all-zero weights, which cannot learn past class
 * priors), the device trains its round but keeps its own weights.
 */
class AdoptionTests {

    @TempDir
    Path dir;

    @Test
    void ifBetterKeepsTheDevicesOwnWeightsWhenTheGlobalDoesWorse() throws Exception {
        FlowerServer.assumeAvailable();
        int port = FlowerServer.freePort();
        Path initial = dir.resolve("zeros");
        Files.createDirectories(initial);
        int[][] shapes = { { 16 }, { 784, 16 }, { 10 }, { 16, 10 } };
        for (int i = 0; i < shapes.length; i++) {
            Files.write(initial.resolve(i + ".npy"),
                    Npy.encode(Tensor.ofFloats(shapes[i], new float[(int) Tensor.elementCount(shapes[i])])));
        }
        try (Device device = Device.start(dir.resolve("device"), TestFixtures.writeModel(dir, TestFixtures.SMALL), port,
                "--edge.federated.adopt=if-better", "--edge.federated.enabled=false")) {
            device.keep(TestFixtures.idxImages(300), TestFixtures.idxLabels(300), "epochs=5&batchSize=10");
            JsonNode before = device.infer(TestFixtures.batch(3));
            try (FlowerServer server = FlowerServer.start(port, dir.resolve("flower"), "--rounds", "1", "--min-clients",
                    "1", "--evaluate", "--initial", initial.toString())) {
                device.http.post().uri("/federated/connect").retrieve().toBodilessEntity();
                assertThat(server.awaitExit(Duration.ofMinutes(2))).as(server.output()).isZero();
            }
            JsonNode view = device.awaitFederated(v -> v.has("lastEvaluation"), Duration.ofSeconds(30));
            JsonNode evaluation = view.get("lastEvaluation");
            assertThat(evaluation.get("adopted").asBoolean()).isFalse();
            assertThat(evaluation.get("ownAccuracy").asDouble()).isGreaterThan(evaluation.get("accuracy").asDouble());
            assertThat(view.get("rounds").asInt()).as("it trained its round all the same").isEqualTo(1);
            assertThat(view.has("lastAdoption")).isFalse();
            assertThat(device.get("/checkpoints").getBody().get("checkpoints")).as("nothing adopted, nothing saved")
                .isEmpty();
            assertThat(device.infer(TestFixtures.batch(3))).isEqualTo(before);
            assertThat(device.metric("edge.evaluate.accuracy")).isEqualTo(evaluation.get("ownAccuracy").asDouble());
        }
    }

}
