package dev.edgetrainer.server.checkpoint;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.edgetrainer.model.io.Sha256;
import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The checkpoint store under the ways issue 8 lost data or lied: retention, concurrent
 * uploads of one id, preconditions, the current checkpoint, corrupt manifests.
 */
class CheckpointIntegrityTests extends RunningServer {

    private byte[] download(String id) {
        return http.get().uri(uri("/checkpoints/" + id + "/file")).retrieve().body(byte[].class);
    }

    private ResponseEntity<JsonNode> put(String id, byte[] body, String header, String value) {
        var request = http.put()
            .uri(uri("/checkpoints/" + id + "/file"))
            .contentType(MediaType.APPLICATION_OCTET_STREAM);
        if (header != null) {
            request.header(header, value);
        }
        return request.body(body).retrieve().toEntity(JsonNode.class);
    }

    private List<String> ids() {
        return get("/checkpoints").getBody().get("checkpoints").valueStream().map(c -> c.get("id").asString()).toList();
    }

    private String current() {
        return get("/checkpoints").getBody().path("current").asString(null);
    }

    @Test
    void uploadsNeverPushTheDevicesOwnSavesOut() {
        trainTwoSamples(1);
        String own = saveCheckpoint().get("id").asString();
        byte[] file = download(own);

        for (int i = 0; i < 4; i++) {
            assertThat(put("peer-" + i, TestFixtures.variant(file, i), null, null).getStatusCode().value())
                .isEqualTo(201);
        }

        assertThat(ids()).contains(own, "peer-0", "peer-1", "peer-2", "peer-3");
    }

    @Test
    void retentionNeverDeletesTheCurrentCheckpoint() {
        trainTwoSamples(1);
        byte[] file = download(saveCheckpoint().get("id").asString());
        assertThat(put("first", TestFixtures.variant(file, 0), null, null).getStatusCode().value()).isEqualTo(201);
        assertThat(post("/checkpoint/restore", Map.of("id", "first")).getStatusCode().value()).isEqualTo(200);

        for (int i = 1; i <= 6; i++) {
            assertThat(put("later-" + i, TestFixtures.variant(file, i), null, null).getStatusCode().value())
                .isEqualTo(201);
        }

        assertThat(current()).isEqualTo("first");
        assertThat(ids()).contains("first");
        assertThat(get("/checkpoints/first").getStatusCode().value()).isEqualTo(200);
    }

    @Test
    void eightParallelUploadsOfOneIdStoreExactlyOneAndTellOnlyItsSender() throws Exception {
        trainTwoSamples(2);
        byte[] file = download(saveCheckpoint().get("id").asString());
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService clients = Executors.newFixedThreadPool(8);
        List<Future<ResponseEntity<JsonNode>>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                byte[] body = TestFixtures.variant(file, i);
                answers.add(clients.submit(() -> {
                    go.await();
                    return put("contested", body, null, null);
                }));
            }
            go.countDown();
            List<ResponseEntity<JsonNode>> created = new ArrayList<>();
            for (Future<ResponseEntity<JsonNode>> answer : answers) {
                ResponseEntity<JsonNode> response = answer.get();
                if (response.getStatusCode().value() == 201) {
                    created.add(response);
                }
                else {
                    assertProblem(response, 409, "id");
                }
            }
            assertThat(created).hasSize(1);
            String sha = created.get(0).getBody().get("sha256").asString();
            assertThat(get("/checkpoints/contested").getBody().get("sha256").asString()).isEqualTo(sha);
            assertThat(Sha256.hex(download("contested"))).isEqualTo(sha);
        }
        finally {
            clients.shutdown();
        }
    }

    @Test
    void anExistingIdIsReplacedOnlyWhenIfMatchNamesItsETag() throws Exception {
        trainTwoSamples(3);
        byte[] file = download(saveCheckpoint().get("id").asString());
        String first = put("shared", TestFixtures.variant(file, 0), null, null).getBody().get("sha256").asString();
        byte[] replacement = TestFixtures.variant(file, 1);

        assertProblem(put("shared", replacement, null, null), 409, "id");
        assertProblem(put("shared", replacement, HttpHeaders.IF_MATCH, "\"" + "0".repeat(64) + "\""), 412, "If-Match");
        assertProblem(put("shared", replacement, HttpHeaders.IF_NONE_MATCH, "*"), 412, "If-None-Match");
        assertProblem(put("nobody", replacement, HttpHeaders.IF_MATCH, "\"" + first + "\""), 412, "If-Match");
        assertThat(get("/checkpoints/shared").getBody().get("sha256").asString()).isEqualTo(first);

        ResponseEntity<JsonNode> replaced = put("shared", replacement, HttpHeaders.IF_MATCH, "\"" + first + "\"");

        assertThat(replaced.getStatusCode().value()).as(String.valueOf(replaced.getBody())).isEqualTo(200);
        assertThat(replaced.getBody().get("sha256").asString()).isEqualTo(Sha256.hex(replacement));
        assertThat(replaced.getHeaders().getETag()).isEqualTo("\"" + Sha256.hex(replacement) + "\"");
        assertThat(download("shared")).isEqualTo(replacement);
        assertThat(get("/checkpoints/shared").getBody().get("sha256").asString()).isEqualTo(Sha256.hex(replacement));
        assertProblem(put("shared", file, HttpHeaders.IF_MATCH, "\"" + first + "\""), 412, "If-Match");
        try (var files = Files.list(CHECKPOINTS)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("shared")))
                .as("one data file and its manifest")
                .hasSize(2);
        }
    }

    @Test
    void downloadsHonourIfMatchAndIfNoneMatch() {
        trainTwoSamples(4);
        JsonNode saved = saveCheckpoint();
        String id = saved.get("id").asString();
        String etag = "\"" + saved.get("sha256").asString() + "\"";

        ResponseEntity<JsonNode> mismatch = http.get()
            .uri(uri("/checkpoints/" + id + "/file"))
            .header(HttpHeaders.IF_MATCH, "\"" + "1".repeat(64) + "\"")
            .retrieve()
            .toEntity(JsonNode.class);
        ResponseEntity<byte[]> match = http.get()
            .uri(uri("/checkpoints/" + id + "/file"))
            .header(HttpHeaders.IF_MATCH, etag)
            .retrieve()
            .toEntity(byte[].class);
        ResponseEntity<byte[]> notModified = http.get()
            .uri(uri("/checkpoints/" + id + "/file"))
            .header(HttpHeaders.IF_NONE_MATCH, etag)
            .retrieve()
            .toEntity(byte[].class);

        assertProblem(mismatch, 412, "If-Match");
        assertThat(match.getStatusCode().value()).isEqualTo(200);
        assertThat(Sha256.hex(match.getBody())).isEqualTo(saved.get("sha256").asString());
        assertThat(notModified.getStatusCode().value()).isEqualTo(304);
        assertThat(notModified.getHeaders().getETag()).isEqualTo(etag);
    }

    @Test
    void theCurrentCheckpointCannotBeDeleted() {
        trainTwoSamples(5);
        String id = saveCheckpoint().get("id").asString();

        assertProblem(delete("/checkpoints/" + id), 409, "id");

        assertThat(current()).isEqualTo(id);
        assertThat(get("/checkpoints/" + id).getStatusCode().value()).isEqualTo(200);
        post("/checkpoint/reset", null);
        assertThat(delete("/checkpoints/" + id).getStatusCode().value()).isEqualTo(204);
    }

    @Test
    void aCorruptManifestIsListedWithItsReasonRefusedForRestoreAndDeletable() throws Exception {
        trainTwoSamples(6);
        String good = saveCheckpoint().get("id").asString();
        post("/checkpoint/reset", null);
        Files.copy(CHECKPOINTS.resolve(good + ".weights"), CHECKPOINTS.resolve("broken.weights"));
        Files.writeString(CHECKPOINTS.resolve("broken.json"), "{\"id\":\"broken\",\"createdAt\":");

        JsonNode list = get("/checkpoints").getBody();

        assertThat(list.get("checkpoints").valueStream().map(c -> c.get("id").asString())).containsExactly(good);
        assertThat(list.get("corrupt").get(0).get("id").asString()).isEqualTo("broken");
        assertThat(list.get("corrupt").get(0).get("problem").asString()).contains("cannot be read");
        assertProblem(get("/checkpoints/broken"), 409, "id");
        assertProblem(get("/checkpoints/broken/file"), 409, "id");
        assertProblem(post("/checkpoint/restore", Map.of("id", "broken")), 422, "id");
        assertProblem(put("broken", download(good), null, null), 409, "id");
        assertThat(delete("/checkpoints/broken").getStatusCode().value()).isEqualTo(204);
        assertThat(CHECKPOINTS.resolve("broken.json")).doesNotExist();
        assertThat(CHECKPOINTS.resolve("broken.weights")).doesNotExist();
        assertThat(get("/checkpoints").getBody().get("corrupt")).isEmpty();
    }

    /**
     * A save racing a restore: whichever wins, {@code current} names a checkpoint whose
     * SHA-256 is that of the weights in memory (a save now writes exactly those).
     */
    @Test
    void currentMatchesTheWeightsInMemoryWhenSaveAndRestoreRace() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(2);
        try {
            for (int trial = 0; trial < 30; trial++) {
                trainTwoSamples(trial);
                String restorable = saveCheckpoint().get("id").asString();
                trainTwoSamples(trial + 1);
                CountDownLatch go = new CountDownLatch(1);
                Callable<Integer> saving = () -> {
                    go.await();
                    return post("/checkpoint/save", null).getStatusCode().value();
                };
                Callable<Integer> restoring = () -> {
                    go.await();
                    return post("/checkpoint/restore", Map.of("id", restorable)).getStatusCode().value();
                };
                Future<Integer> saved = clients.submit(saving);
                Future<Integer> restored = clients.submit(restoring);
                go.countDown();
                assertThat(saved.get()).isEqualTo(201);
                assertThat(restored.get()).isEqualTo(200);

                String current = current();
                String currentSha = get("/checkpoints/" + current).getBody().get("sha256").asString();
                String inMemory = saveCheckpoint().get("sha256").asString();
                assertThat(currentSha).as("trial %d: current %s", trial, current).isEqualTo(inMemory);
            }
        }
        finally {
            clients.shutdown();
        }
    }

    @Test
    void healthHasACheckpointsComponentWithSpace() {
        trainTwoSamples(7);
        saveCheckpoint();

        JsonNode component = get("/actuator/health").getBody().get("components").get("checkpoints");

        assertThat(component.get("status").asString()).isEqualTo("UP");
        JsonNode details = component.get("details");
        assertThat(details.get("dir").asString()).isEqualTo(CHECKPOINTS.toAbsolutePath().normalize().toString());
        assertThat(details.get("usableBytes").asLong()).isPositive();
        assertThat(details.get("storedBytes").asLong()).isPositive();
        assertThat(details.get("checkpoints").asInt()).isEqualTo(1);
        assertThat(details.get("corrupt").asInt()).isZero();
        assertThat(details.get("lock").get("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
    }

}
