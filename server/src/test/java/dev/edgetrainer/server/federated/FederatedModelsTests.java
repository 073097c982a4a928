package dev.edgetrainer.server.federated;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

import dev.edgetrainer.model.graph.MlpModelWriter;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A round with each kind of trainable model: the TFLite tutorial's converted model, whose
 * weights leave and enter only as checkpoint files through its own Flex save and restore
 * (path style), and a model with Flower's {@code parameters}/{@code restore} signatures
 * (tensor style). Each sends its weights in name order, trains, and ends holding the
 * server's aggregate bit for bit, kept as a federated checkpoint.
 */
class FederatedModelsTests {

    @TempDir
    Path dir;

    @Test
    void theTutorialsPathStyleModelTakesPartInARound() throws Exception {
        Path model = TestFixtures.sharedModels().resolve("tutorial-mnist-flex.tflite");
        Assumptions.assumeTrue(Files.exists(model), "needs ../shared/models/tutorial-mnist-flex.tflite (CI has it)");
        SortedMap<String, Tensor> adopted = oneRound(model, "--edge.model.class-names=0,1,2,3,4,5,6,7,8,9");
        assertThat(adopted.keySet()).as("its own weights, in name order")
            .containsExactly("dense_1/bias:0", "dense_1/kernel:0", "dense_2/bias:0", "dense_2/kernel:0");
    }

    @Test
    void aModelWithFlowersParametersAndRestoreSignaturesTakesPartInARound() throws Exception {
        Map<MlpModelWriter.Role, String> signatures = MlpModelWriter.defaultSignatures();
        signatures.put(MlpModelWriter.Role.SAVE, "parameters");
        Path model = dir.resolve("flower-style.tflite");
        Files.write(model, MlpModelWriter.write(TestFixtures.SMALL, MlpModelWriter.initialWeights(TestFixtures.SMALL),
                signatures));
        SortedMap<String, Tensor> adopted = oneRound(model);
        assertThat(adopted.keySet()).containsExactly("dense/bias", "dense/kernel", "dense_1/bias", "dense_1/kernel");
    }

    @Test
    void aModelWithoutAnInferRoleTrainsRoundsAndAdoptsTheAggregate() throws Exception {
        // Flower's example models: train, parameters and restore; nothing to infer or
        // evaluate with, so the device refuses the evaluation and still adopts.
        Map<MlpModelWriter.Role, String> signatures = MlpModelWriter.defaultSignatures();
        signatures.remove(MlpModelWriter.Role.INFER);
        signatures.put(MlpModelWriter.Role.SAVE, "parameters");
        Path model = dir.resolve("no-infer.tflite");
        Files.write(model, MlpModelWriter.write(TestFixtures.SMALL, MlpModelWriter.initialWeights(TestFixtures.SMALL),
                signatures));
        oneRound(model);
    }

    /** One device, one round with evaluation; returns the weights it adopted. */
    private SortedMap<String, Tensor> oneRound(Path model, String... settings) throws Exception {
        FlowerServer.assumeAvailable();
        int port = FlowerServer.freePort();
        List<String> args = new ArrayList<>(List.of(settings));
        args.add("--edge.federated.enabled=false");
        try (Device device = Device.start(dir.resolve("device"), model, port, args.toArray(String[]::new));
                FlowerServer server = FlowerServer.start(port, dir.resolve("flower"), "--rounds", "1", "--min-clients",
                        "1", "--evaluate")) {
            device.keep(TestFixtures.idxImages(120), TestFixtures.idxLabels(120), "epochs=1&batchSize=20");
            device.http.post().uri("/federated/connect").retrieve().toBodilessEntity();
            assertThat(server.awaitExit(Duration.ofMinutes(2))).as(server.output()).isZero();
            JsonNode view = device.awaitFederated(v -> v.path("lastAdoption").path("round").asInt() == 1,
                    Duration.ofSeconds(30));
            assertThat(view.get("rounds").asInt()).isEqualTo(1);
            JsonNode checkpoint = device.currentCheckpoint();
            assertThat(checkpoint.get("origin").asString()).isEqualTo("federated");
            SortedMap<String, Tensor> adopted = device.currentWeights();
            Map<String, Tensor> global = Device.global(server, 1, new ArrayList<>(adopted.keySet()));
            adopted
                .forEach((name, tensor) -> assertThat(tensor.floats()).as(name).isEqualTo(global.get(name).floats()));
            return adopted;
        }
    }

}
