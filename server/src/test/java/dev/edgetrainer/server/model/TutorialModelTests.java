package dev.edgetrainer.server.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.edgetrainer.model.graph.MlpModelWriter;
import dev.edgetrainer.model.io.Sha256;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.WeightsFile;
import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.ModelT;
import org.tensorflow.lite.schema.OperatorCodeT;
import org.tensorflow.lite.schema.OperatorT;
import tools.jackson.databind.JsonNode;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The TFLite tutorial's own converted model, Flex ops and all, hosted unchanged: it
 * trains on Fashion-MNIST uploaded as IDX files, checkpoints through its own
 * {@code save(checkpoint_path)}, and a restarted server restores it and answers exactly
 * as before. And a model with an op this runtime lacks still serves what it can.
 */
class TutorialModelTests {

    private static final Path FASHION = Path.of("/usr/share/datasets/fashion-mnist");

    @TempDir
    Path dir;

    @Test
    void trainsOnIdxUploadsSavesThroughItsOwnSignatureAndSurvivesARestart() {
        Path model = TestFixtures.sharedModels().resolve("tutorial-mnist-flex.tflite");
        Assumptions.assumeTrue(Files.exists(model), "needs ../shared/models/tutorial-mnist-flex.tflite (CI has it)");
        Assumptions.assumeTrue(Files.isDirectory(FASHION),
                "needs Debian package dataset-fashion-mnist at " + FASHION + " (CI installs it)");
        Path checkpoints = dir.resolve("checkpoints");
        // The 300 steps answer in one response even on a loaded CI machine (they take 2-6
        // s).
        String[] args = { "--edge.model.class-names=0,1,2,3,4,5,6,7,8,9", "--edge.train.sync-timeout=60s" };
        byte[][] pngs = { TestFixtures.png(1), TestFixtures.png(2), TestFixtures.png(3) };
        List<JsonNode> before;
        String saved;
        try (ConfigurableApplicationContext server = RunningServer.start(model, checkpoints, args)) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            MultiValueMap<String, Object> parts = RunningServer.parts();
            parts.add("images", RunningServer.file(read("t10k-images-idx3-ubyte.gz"), "t10k-images-idx3-ubyte.gz"));
            parts.add("labels", RunningServer.file(read("t10k-labels-idx1-ubyte.gz"), "t10k-labels-idx1-ubyte.gz"));
            ResponseEntity<JsonNode> trained = http.post()
                .uri("/train?batchSize=100&epochs=3&shuffle=false")
                .contentType(MediaType.MULTIPART_FORM_DATA)
                .body(parts)
                .retrieve()
                .toEntity(JsonNode.class);
            assertThat(trained.getStatusCode().value()).as(String.valueOf(trained.getBody())).isEqualTo(200);
            double[] epochLosses = trained.getBody()
                .get("epochLosses")
                .valueStream()
                .mapToDouble(JsonNode::asDouble)
                .toArray();
            assertThat(epochLosses).hasSize(3);
            assertThat(epochLosses[2]).as(Arrays.toString(epochLosses)).isLessThan(epochLosses[0]);

            ResponseEntity<JsonNode> save = http.post().uri("/checkpoint/save").retrieve().toEntity(JsonNode.class);
            assertThat(save.getStatusCode().value()).as(String.valueOf(save.getBody())).isEqualTo(201);
            assertThat(save.getBody().get("style").asString()).isEqualTo("PATH");
            saved = save.getBody().get("id").asString();
            assertThat(checkpoints.resolve(saved + ".ckpt")).exists();
            before = infer(http, pngs);
        }
        try (ConfigurableApplicationContext server = RunningServer.start(model, checkpoints, args)) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            JsonNode health = http.get().uri("/actuator/health").retrieve().body(JsonNode.class);
            assertThat(health.get("components").get("model").get("details").get("checkpoint").asString())
                .isEqualTo(saved);
            assertThat(infer(http, pngs)).isEqualTo(before);
        }
    }

    private static Map<String, Tensor> tutorialWeights(int secondKernelRows) {
        Map<String, Tensor> weights = new LinkedHashMap<>();
        weights.put("dense_1/kernel:0", Tensor.ofFloats(new int[] { 784, 128 }, new float[784 * 128]));
        weights.put("dense_1/bias:0", Tensor.ofFloats(new int[] { 128 }, new float[128]));
        weights.put("dense_2/kernel:0",
                Tensor.ofFloats(new int[] { secondKernelRows, 10 }, new float[secondKernelRows * 10]));
        weights.put("dense_2/bias:0", Tensor.ofFloats(new int[] { 10 }, new float[10]));
        return weights;
    }

    private static void assertRejected(ResponseEntity<JsonNode> response, String field, String detail) {
        assertThat(response.getStatusCode().value()).as(String.valueOf(response.getBody())).isEqualTo(422);
        assertThat(response.getBody().get("field").asString()).isEqualTo(field);
        assertThat(response.getBody().get("detail").asString()).contains(detail);
    }

    /**
     * The model writes its checkpoints itself ({@code FlexSave}), in the weights file
     * format: an upload is checked at PUT against what its {@code restore} reads, not
     * first at restore.
     */
    @Test
    void pathStyleUploadsAreVerifiedAgainstTheModelWhenTheyArrive() {
        Path model = TestFixtures.sharedModels().resolve("tutorial-mnist-flex.tflite");
        Assumptions.assumeTrue(Files.exists(model), "needs ../shared/models/tutorial-mnist-flex.tflite (CI has it)");
        try (ConfigurableApplicationContext server = RunningServer.start(model, dir.resolve("checkpoints"),
                "--edge.model.class-names=0,1,2,3,4,5,6,7,8,9")) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            byte[][] pngs = { TestFixtures.png(1), TestFixtures.png(2) };
            List<JsonNode> before = infer(http, pngs);
            Map<String, Tensor> missing = tutorialWeights(128);
            missing.remove("dense_2/bias:0");
            Map<String, Tensor> extra = tutorialWeights(128);
            extra.put("dense_3/bias:0", Tensor.ofFloats(new int[] { 10 }, new float[10]));
            Map<String, Tensor> wrongType = tutorialWeights(128);
            wrongType.put("dense_2/bias:0", Tensor.ofInts(new int[] { 10 }, new int[10]));
            byte[] good = WeightsFile.encode(tutorialWeights(128));

            assertRejected(RunningServer.upload(http, "wrong-shape", WeightsFile.encode(tutorialWeights(12))),
                    "dense_2/kernel:0", "[12, 10]");
            assertRejected(RunningServer.upload(http, "missing", WeightsFile.encode(missing)), "dense_2/bias:0",
                    "missing");
            assertRejected(RunningServer.upload(http, "extra", WeightsFile.encode(extra)), "dense_3/bias:0",
                    "no weight");
            assertRejected(RunningServer.upload(http, "wrong-type", WeightsFile.encode(wrongType)), "dense_2/bias:0",
                    "int32");
            assertRejected(RunningServer.upload(http, "truncated", Arrays.copyOf(good, good.length - 10)), "file",
                    "checksum");
            assertRejected(RunningServer.upload(http, "not-weights", "PK\3\4 a zip".getBytes()), "file",
                    "weights file");
            assertThat(http.get().uri("/checkpoints").retrieve().body(JsonNode.class).get("checkpoints")).isEmpty();
            assertThat(infer(http, pngs)).isEqualTo(before);

            String saved = http.post().uri("/checkpoint/save").retrieve().body(JsonNode.class).get("id").asString();
            byte[] own = http.get().uri("/checkpoints/" + saved + "/file").retrieve().body(byte[].class);
            assertThat(RunningServer.upload(http, "round-trip", own).getStatusCode().value()).isEqualTo(201);
            assertThat(RunningServer.upload(http, "zeros", good).getStatusCode().value()).isEqualTo(201);
        }
    }

    /**
     * A file stored before uploads were verified: the model's own restore refuses it, the
     * weights are put back, and the answer is 422.
     */
    @Test
    void aStoredCheckpointThatDoesNotFitIsRefusedAtRestoreAndChangesNothing() throws Exception {
        Path model = TestFixtures.sharedModels().resolve("tutorial-mnist-flex.tflite");
        Assumptions.assumeTrue(Files.exists(model), "needs ../shared/models/tutorial-mnist-flex.tflite (CI has it)");
        Path checkpoints = Files.createDirectories(dir.resolve("checkpoints"));
        byte[] wrong = WeightsFile.encode(tutorialWeights(12));
        Files.write(checkpoints.resolve("wrong-shape.ckpt"), wrong);
        Files.writeString(checkpoints.resolve("wrong-shape.json"),
                "{\"id\":\"wrong-shape\",\"createdAt\":\"2020-01-01T00:00:00Z\",\"sha256\":\"" + Sha256.hex(wrong)
                        + "\",\"bytes\":" + wrong.length + ",\"style\":\"PATH\",\"origin\":\"upload\"}");
        try (ConfigurableApplicationContext server = RunningServer.start(model, checkpoints,
                "--edge.model.class-names=0,1,2,3,4,5,6,7,8,9")) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            byte[][] pngs = { TestFixtures.png(1), TestFixtures.png(2) };
            List<JsonNode> before = infer(http, pngs);

            ResponseEntity<JsonNode> restored = http.post()
                .uri("/checkpoint/restore")
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("id", "wrong-shape"))
                .retrieve()
                .toEntity(JsonNode.class);
            assertThat(restored.getStatusCode().value()).as(String.valueOf(restored.getBody())).isEqualTo(422);
            assertThat(restored.getBody().get("detail").asString()).contains("dense_2/kernel:0");
            assertThat(infer(http, pngs)).isEqualTo(before);
            try (var files = Files.list(checkpoints)) {
                assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("."));
            }
        }
    }

    @Test
    void aModelWithAnOpThisRuntimeLacksServesTheRestAndNamesTheOp() throws Exception {
        Path model = dir.resolve("lacking.tflite");
        Files.write(model, withCustomOpInTrain(MlpModelWriter.write(TestFixtures.SMALL), "MyCustomOp"));
        try (ConfigurableApplicationContext server = RunningServer.start(model, dir.resolve("checkpoints"))) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            JsonNode details = RunningServer.modelHealth(http);
            assertThat(details.get("missingOps").get("train").get(0).asString()).isEqualTo("MyCustomOp");

            ResponseEntity<JsonNode> inferred = http.post()
                .uri("/infer")
                .contentType(MediaType.IMAGE_PNG)
                .body(TestFixtures.png(1))
                .retrieve()
                .toEntity(JsonNode.class);
            assertThat(inferred.getStatusCode().value()).isEqualTo(200);

            ResponseEntity<JsonNode> trained = http.post()
                .uri("/train")
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("x", TestFixtures.batch(2), "y", List.of(1, 2)))
                .retrieve()
                .toEntity(JsonNode.class);
            assertThat(trained.getStatusCode().value()).isEqualTo(501);
            assertThat(trained.getHeaders().getContentType().toString()).startsWith("application/problem+json");
            assertThat(trained.getBody().get("detail").asString())
                .isEqualTo("signature 'train' needs custom ops this runtime does not provide: MyCustomOp");
        }
    }

    private static List<JsonNode> infer(RestClient http, byte[][] pngs) {
        return Arrays.stream(pngs)
            .map(png -> http.post()
                .uri("/infer")
                .contentType(MediaType.IMAGE_PNG)
                .body(png)
                .retrieve()
                .body(JsonNode.class)
                .get("predictions")
                .get(0))
            .toList();
    }

    private static byte[] read(String name) {
        try {
            return Files.readAllBytes(FASHION.resolve(name));
        }
        catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The model with its train subgraph's ReLU turned into a custom op nobody provides.
     */
    private static byte[] withCustomOpInTrain(byte[] bytes, String customOp) {
        ModelT model = ModelT.deserializeFromBinary(bytes);
        OperatorCodeT[] codes = Arrays.copyOf(model.getOperatorCodes(), model.getOperatorCodes().length + 1);
        OperatorCodeT custom = new OperatorCodeT();
        custom.setBuiltinCode(BuiltinOperator.CUSTOM);
        custom.setDeprecatedBuiltinCode((byte) BuiltinOperator.CUSTOM);
        custom.setCustomCode(customOp);
        custom.setVersion(1);
        codes[codes.length - 1] = custom;
        model.setOperatorCodes(codes);
        for (OperatorT op : model.getSubgraphs()[0].getOperators()) {
            if (model.getOperatorCodes()[(int) op.getOpcodeIndex()].getBuiltinCode() == BuiltinOperator.RELU) {
                op.setOpcodeIndex(codes.length - 1);
                op.setBuiltinOptions(null);
            }
        }
        return model.serializeToBinary();
    }

}
