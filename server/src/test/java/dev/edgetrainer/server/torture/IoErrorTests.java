package dev.edgetrainer.server.torture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.SmallTmpfs;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.ResponseEntity;
import org.springframework.util.FileSystemUtils;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * I/O errors the checkpoint store meets on a device, beyond the full disk during saves,
 * uploads, restores and resets that {@code StorageFullTests} covers: the auto-save of a
 * training job on a full disk, a read-only directory (a failing SD card the kernel
 * remounted read-only) and a directory removed while the server runs. Each is our
 * failure: never a 4xx that blames the caller, never silent (health DOWN, a problem
 * naming the directory), nothing half-written left, inference unaffected, and everything
 * works again once the fault is gone, without a restart.
 */
@Tag("torture")
class IoErrorTests {

    @TempDir
    Path dir;

    private RestClient http;

    @Test
    void anAutoSaveOnAFullDiskIsReportedOnTheJobAndInHealthAndLeavesNothingBehind() throws Exception {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        try (SmallTmpfs disk = SmallTmpfs.mount(dir, "600k")) {
            Path checkpoints = disk.path().resolve("ckpt");
            try (ConfigurableApplicationContext server = RunningServer.start(model, checkpoints,
                    "--edge.checkpoint.auto-save=true")) {
                http = RunningServer.client(RunningServer.port(server), null);
                JsonNode first = train();
                String saved = first.get("checkpoint").asString();
                assertThat(saved).as("auto-saved: " + first).isNotNull();
                long bytes = http.get()
                    .uri("/checkpoints/" + saved)
                    .retrieve()
                    .body(JsonNode.class)
                    .get("bytes")
                    .asLong();
                int dataPages = (int) ((bytes + SmallTmpfs.PAGE - 1) / SmallTmpfs.PAGE);

                // No room for the data file, then none for its manifest, then none for
                // the
                // record of the current checkpoint.
                for (int free : List.of(0, dataPages, dataPages + 1)) {
                    disk.leaveFree(free);
                    JsonNode job = train();
                    assertThat(job.get("status").asString()).as(job.toString()).isEqualTo("SUCCEEDED");
                    assertThat(job.path("checkpoint").isMissingNode()).as(job.toString()).isTrue();
                    assertThat(job.get("error").asString()).contains("auto-save failed").contains("needs");
                    assertThat(ids()).as("with %d pages free", free).containsExactly(saved);
                    assertThat(current()).isEqualTo(saved);
                    assertNoTempFiles(checkpoints);
                }
                assertThat(checkpointsHealth().get("status").asString()).isEqualTo("DOWN");

                disk.free();
                JsonNode again = train();
                assertThat(again.get("checkpoint").asString()).as(again.toString()).isNotNull().isNotEqualTo(saved);
                assertThat(current()).isEqualTo(again.get("checkpoint").asString());
                assertThat(checkpointsHealth().get("status").asString()).isEqualTo("UP");
            }
        }
    }

    /**
     * A directory that is read-only when the server starts (an SD card the kernel
     * remounted read-only after errors, then a reboot; a mount cannot turn read-only
     * while the server holds its lock file open for writing).
     */
    @Test
    void aReadOnlyCheckpointDirectoryFailsWritesAsOursKeepsInferenceAndRecovers() throws Exception {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        try (SmallTmpfs disk = SmallTmpfs.mount(dir, "2m")) {
            Path checkpoints = disk.path().resolve("ckpt");
            String id;
            byte[] file;
            JsonNode answers;
            try (ConfigurableApplicationContext server = RunningServer.start(model, checkpoints)) {
                http = RunningServer.client(RunningServer.port(server), null);
                train();
                id = RunningServer.post(http, "/checkpoint/save", null).getBody().get("id").asString();
                file = http.get().uri("/checkpoints/" + id + "/file").retrieve().body(byte[].class);
                answers = RunningServer.probabilities(http);
            }
            disk.readOnly(true);
            try (ConfigurableApplicationContext server = RunningServer.start(model, checkpoints)) {
                http = RunningServer.client(RunningServer.port(server), null);
                JsonNode health = checkpointsHealth();
                assertThat(health.get("status").asString()).as(health.toString()).isEqualTo("DOWN");
                assertThat(health.get("details").get("problem").asString()).contains(checkpoints.toString());
                assertThat(RunningServer.probabilities(http)).as("inference goes on").isNotNull();
                assertOurFailure(RunningServer.post(http, "/checkpoint/save", null), checkpoints);
                assertOurFailure(RunningServer.upload(http, "from-peer", TestFixtures.variant(file, 1)), checkpoints);
                assertOurFailure(RunningServer.post(http, "/checkpoint/restore", Map.of("id", id)), checkpoints);

                disk.readOnly(false);
                assertThat(RunningServer.post(http, "/checkpoint/restore", Map.of("id", id)).getStatusCode().value())
                    .as("restore once the directory is writable again, without a restart")
                    .isEqualTo(200);
                assertThat(RunningServer.probabilities(http)).isEqualTo(answers);
                assertThat(RunningServer.post(http, "/checkpoint/save", null).getStatusCode().value()).isEqualTo(201);
                assertThat(checkpointsHealth().get("status").asString()).isEqualTo("UP");
                assertNoTempFiles(checkpoints);
            }
        }
    }

    @Test
    void aCheckpointDirectoryRemovedWhileRunningIsReportedAndMadeAgainWithoutLosingTheWeights() throws Exception {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        Path checkpoints = dir.resolve("ckpt");
        try (ConfigurableApplicationContext server = RunningServer.start(model, checkpoints)) {
            http = RunningServer.client(RunningServer.port(server), null);
            train();
            String id = RunningServer.post(http, "/checkpoint/save", null).getBody().get("id").asString();
            train();
            JsonNode answers = RunningServer.probabilities(http);

            FileSystemUtils.deleteRecursively(checkpoints);

            ResponseEntity<JsonNode> restore = RunningServer.post(http, "/checkpoint/restore", Map.of("id", id));
            assertThat(restore.getStatusCode().value()).as("restoring a checkpoint that is gone: " + restore.getBody())
                .isIn(404, 409, 422, 500);
            assertThat(RunningServer.probabilities(http)).as("the weights after the directory went").isEqualTo(answers);
            ResponseEntity<JsonNode> save = RunningServer.post(http, "/checkpoint/save", null);
            assertThat(save.getStatusCode().value()).as("a save after the directory went: " + save.getBody())
                .isEqualTo(201);
            String again = save.getBody().get("id").asString();
            assertThat(ids()).doesNotContain(id).contains(again);
            assertThat(current()).isEqualTo(again);
            assertThat(checkpointsHealth().get("status").asString()).isEqualTo("UP");
            assertThat(RunningServer.probabilities(http)).isEqualTo(answers);
        }
        try (ConfigurableApplicationContext server = RunningServer.start(model, checkpoints)) {
            http = RunningServer.client(RunningServer.port(server), null);
            assertThat(RunningServer.probabilities(http)).as("restored after a restart").isNotNull();
            assertThat(RunningServer.modelHealth(http).get("lastRestore").get("skipped")).isEmpty();
        }
    }

    private JsonNode train() {
        ResponseEntity<JsonNode> job = RunningServer.post(http, "/train",
                Map.of("x", TestFixtures.batch(4), "y", TestFixtures.labels(4)));
        assertThat(job.getStatusCode().value()).as(String.valueOf(job.getBody())).isEqualTo(200);
        return job.getBody();
    }

    private List<String> ids() {
        return http.get()
            .uri("/checkpoints")
            .retrieve()
            .body(JsonNode.class)
            .get("checkpoints")
            .valueStream()
            .map(c -> c.get("id").asString())
            .toList();
    }

    private String current() {
        return http.get().uri("/checkpoints").retrieve().body(JsonNode.class).path("current").asString(null);
    }

    private JsonNode checkpointsHealth() {
        return http.get().uri("/actuator/health").retrieve().body(JsonNode.class).get("components").get("checkpoints");
    }

    /** A 5xx problem (never a 4xx: the caller did nothing wrong) naming the directory. */
    private void assertOurFailure(ResponseEntity<JsonNode> response, Path checkpoints) {
        assertThat(response.getStatusCode().value()).as(String.valueOf(response.getBody())).isIn(500, 507);
        assertThat(response.getHeaders().getContentType().toString()).startsWith("application/problem+json");
        assertThat(response.getBody().get("detail").asString()).contains(checkpoints.toString());
    }

    private static void assertNoTempFiles(Path checkpoints) throws IOException {
        try (Stream<Path> files = Files.list(checkpoints)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

}
