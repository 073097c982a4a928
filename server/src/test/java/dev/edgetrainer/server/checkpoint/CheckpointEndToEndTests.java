package dev.edgetrainer.server.checkpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import dev.edgetrainer.model.checkpoint.Checkpointer;
import dev.edgetrainer.model.graph.MlpModelWriter;
import dev.edgetrainer.model.graph.MlpSpec;
import dev.edgetrainer.model.io.Sha256;
import dev.edgetrainer.model.runtime.TrainableModel;
import dev.edgetrainer.model.tensor.WeightsFile;
import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;

class CheckpointEndToEndTests extends RunningServer {

    @Test
    void saveWritesAVerifiableFileAndManifest() throws Exception {
        trainTwoSamples(1);

        ResponseEntity<JsonNode> response = post("/checkpoint/save", null);

        JsonNode saved = response.getBody();
        String id = saved.get("id").asString();
        assertThat(response.getHeaders().getLocation()).hasToString("/checkpoints/" + id);
        assertThat(saved.get("step").asInt()).isEqualTo(1);
        assertThat(saved.get("loss").asDouble()).isPositive();
        byte[] file = Files.readAllBytes(CHECKPOINTS.resolve(id + ".weights"));
        assertThat(saved.get("bytes").asLong()).isEqualTo(file.length);
        assertThat(saved.get("sha256").asString()).isEqualTo(Sha256.hex(file));
        assertThat(WeightsFile.decode(file)).containsKeys("dense/kernel", "dense/bias", "dense_1/kernel",
                "dense_1/bias");
        assertThat(Files.exists(CHECKPOINTS.resolve(id + ".json"))).isTrue();
        try (var temps = Files.list(CHECKPOINTS)) {
            assertThat(temps.map(Path::getFileName).map(Path::toString)).noneMatch(n -> n.startsWith(".tmp"));
        }
        assertThat(get("/checkpoints/" + id).getBody().get("sha256").asString()).isEqualTo(Sha256.hex(file));
        assertThat(get("/checkpoints").getBody().get("current").asString()).isEqualTo(id);
    }

    @Test
    void restoreBringsBackSavedWeightsAndResetTheOriginalOnes() {
        List<Double> original = probabilities(TestFixtures.png(1));
        trainTwoSamples(1);
        String id = saveCheckpoint().get("id").asString();
        List<Double> saved = probabilities(TestFixtures.png(1));
        trainTwoSamples(5);
        assertThat(probabilities(TestFixtures.png(1))).isNotEqualTo(saved);

        ResponseEntity<JsonNode> restored = post("/checkpoint/restore", Map.of("id", id));

        assertThat(restored.getStatusCode().value()).isEqualTo(200);
        assertThat(restored.getBody().get("restored").asString()).isEqualTo(id);
        assertThat(restored.getBody().get("weights").get("step").asInt()).isEqualTo(1);
        assertThat(probabilities(TestFixtures.png(1))).isEqualTo(saved);
        assertThat(post("/checkpoint/reset", null).getBody().get("step").asInt()).isZero();
        assertThat(probabilities(TestFixtures.png(1))).isEqualTo(original);
        assertThat(post("/checkpoint/restore", null).getBody().get("restored").asString()).isEqualTo(id);
        assertThat(probabilities(TestFixtures.png(1))).isEqualTo(saved);
    }

    @Test
    void retentionKeepsTheNewestAndListIsNewestFirst() {
        for (int i = 0; i < 5; i++) {
            trainTwoSamples(i);
            saveCheckpoint();
        }

        JsonNode list = get("/checkpoints").getBody().get("checkpoints");

        assertThat(list).hasSize(3);
        assertThat(list.get(0).get("step").asInt()).isEqualTo(5);
        assertThat(list.get(2).get("step").asInt()).isEqualTo(3);
    }

    @Test
    void aCheckpointTravelsToAnotherDeviceByDownloadAndUpload() {
        trainTwoSamples(2);
        JsonNode saved = saveCheckpoint();
        List<Double> trained = probabilities(TestFixtures.png(1));
        String id = saved.get("id").asString();

        ResponseEntity<byte[]> download = http.get()
            .uri("/checkpoints/" + id + "/file")
            .retrieve()
            .toEntity(byte[].class);

        assertThat(download.getStatusCode().value()).isEqualTo(200);
        assertThat(Sha256.hex(download.getBody())).isEqualTo(saved.get("sha256").asString());
        assertThat(download.getHeaders().getETag()).isEqualTo("\"" + saved.get("sha256").asString() + "\"");
        assertThat(download.getHeaders().getFirst("Repr-Digest")).isEqualTo("sha-256=:"
                + Base64.getEncoder().encodeToString(HexFormat.of().parseHex(saved.get("sha256").asString())) + ":");
        post("/checkpoint/reset", null);
        assertThat(delete("/checkpoints/" + id).getStatusCode().value()).isEqualTo(204);
        assertProblem(get("/checkpoints/" + id), 404, "id");

        ResponseEntity<JsonNode> uploaded = http.put()
            .uri("/checkpoints/from-peer/file")
            .contentType(MediaType.APPLICATION_OCTET_STREAM)
            .body(download.getBody())
            .retrieve()
            .toEntity(JsonNode.class);

        assertThat(uploaded.getStatusCode().value()).isEqualTo(201);
        assertThat(uploaded.getBody().get("origin").asString()).isEqualTo("upload");
        assertProblem(http.put()
            .uri("/checkpoints/from-peer/file")
            .contentType(MediaType.APPLICATION_OCTET_STREAM)
            .body(download.getBody())
            .retrieve()
            .toEntity(JsonNode.class), 409, "id");
        post("/checkpoint/restore", Map.of("id", "from-peer"));
        assertThat(probabilities(TestFixtures.png(1))).isEqualTo(trained);
    }

    @Test
    void uploadsThatDoNotFitOrDoNotDecodeAreRejected() {
        byte[] otherShape;
        try (TrainableModel other = TrainableModel
            .load(MlpModelWriter.write(new MlpSpec(new int[] { 28, 28 }, new int[] { 8 }, 10, 0.01f, 1)), "other")) {
            otherShape = WeightsFile.encode(Checkpointer.of(other).save());
        }
        byte[] corrupt = otherShape.clone();
        corrupt[100] ^= 1;

        assertProblem(put("/checkpoints/other/file", otherShape), 422, "dense/bias");
        assertProblem(put("/checkpoints/corrupt/file", corrupt), 422, "file");
        assertProblem(put("/checkpoints/empty/file", new byte[0]), 400, "file");
        assertThat(get("/checkpoints").getBody().get("checkpoints")).isEmpty();
    }

    @Test
    void idsThatAreNotPlainNamesAreRejected() {
        assertProblem(get("/checkpoints/..%2Fx/file"), 400, "id");
        assertProblem(get("/checkpoints/%2Fetc%2Fpasswd"), 400, "id");
        assertProblem(delete("/checkpoints/a.b"), 400, "id");
        assertProblem(put("/checkpoints/..%2F..%2Fevil/file", new byte[] { 1 }), 400, "id");
        assertProblem(post("/checkpoint/restore", Map.of("id", "../x")), 400, "id");
        assertProblem(post("/checkpoint/restore", Map.of("id", "nope")), 404, "id");
        assertProblem(post("/checkpoint/restore", null), 404, "id");
        assertProblem(delete("/checkpoints/nope"), 404, "id");
    }

    @Test
    void aCorruptFileIsNeverRestoredNorServed() throws Exception {
        trainTwoSamples(3);
        String id = saveCheckpoint().get("id").asString();
        Path file = CHECKPOINTS.resolve(id + ".weights");
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x40;
        Files.write(file, bytes);
        post("/checkpoint/reset", null);
        List<Double> original = probabilities(TestFixtures.png(1));

        assertProblem(post("/checkpoint/restore", Map.of("id", id)), 422, "id");
        assertProblem(get("/checkpoints/" + id + "/file"), 409, "id");
        ResponseEntity<JsonNode> newest = post("/checkpoint/restore", null);
        assertProblem(newest, 404, "id");
        // Each skipped checkpoint in words, not as a Java record.
        assertThat(newest.getBody().get("detail").asString())
            .startsWith("no checkpoint saved on this device verifies: " + id + " (")
            .contains("SHA-256")
            .doesNotContain("Skipped[");
        assertThat(probabilities(TestFixtures.png(1))).isEqualTo(original);
    }

    @Test
    void aManifestWrittenBeforeStyleAndOriginWereEnumsIsServedAndRestored() throws Exception {
        trainTwoSamples(4);
        JsonNode saved = saveCheckpoint();
        String id = saved.get("id").asString();
        List<Double> trained = probabilities(TestFixtures.png(1));
        assertThat(Files.readString(CHECKPOINTS.resolve(id + ".json")))
            .startsWith("{\"id\":\"" + id + "\",\"createdAt\":\"")
            .endsWith(",\"style\":\"TENSORS\",\"origin\":\"save\"}");
        // An upload as the server stored it before: same file, written by the old code.
        Files.copy(CHECKPOINTS.resolve(id + ".weights"), CHECKPOINTS.resolve("old-peer.weights"));
        Files.writeString(CHECKPOINTS.resolve("old-peer.json"),
                "{\"id\":\"old-peer\",\"createdAt\":\"2020-01-01T00:00:00.169691888Z\",\"sha256\":\""
                        + saved.get("sha256").asString() + "\",\"bytes\":" + saved.get("bytes").asLong()
                        + ",\"style\":\"TENSORS\",\"origin\":\"upload\"}");
        post("/checkpoint/reset", null);

        JsonNode old = get("/checkpoints/old-peer").getBody();
        ResponseEntity<JsonNode> restored = post("/checkpoint/restore", Map.of("id", "old-peer"));

        assertThat(old.get("origin").asString()).isEqualTo("upload");
        assertThat(old.get("style").asString()).isEqualTo("TENSORS");
        assertThat(restored.getStatusCode().value()).isEqualTo(200);
        assertThat(probabilities(TestFixtures.png(1))).isEqualTo(trained);
    }

    private ResponseEntity<JsonNode> put(String path, byte[] body) {
        return http.put()
            .uri(uri(path))
            .contentType(MediaType.APPLICATION_OCTET_STREAM)
            .body(body)
            .retrieve()
            .toEntity(JsonNode.class);
    }

}
