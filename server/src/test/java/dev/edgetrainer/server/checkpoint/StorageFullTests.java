package dev.edgetrainer.server.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real full disk: a 600 KB tmpfs holds the checkpoint directory, and a filler file
 * beside it leaves exactly as many 4 KB pages free as a step needs, so each write of a
 * save (data file, manifest, record of the current checkpoint) fails in turn.
 */
class StorageFullTests {

    private static final int PAGE = 4096;

    @TempDir
    Path dir;

    private Path mount;

    private boolean mounted;

    private Path checkpoints;

    private Path filler;

    private RestClient http;

    @BeforeEach
    void mountASmallTmpfs() throws Exception {
        mount = Files.createDirectories(dir.resolve("small"));
        Process process = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", mount.toString())
            .redirectErrorStream(true)
            .start();
        String said = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        mounted = process.waitFor() == 0;
        Assumptions.assumeTrue(mounted, "a real full disk needs a tmpfs, and mounting one needs root "
                + "(CI runs the tests as root); mount said: " + said);
        checkpoints = mount.resolve("ckpt");
        filler = mount.resolve("filler");
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            new ProcessBuilder("umount", "-l", mount.toString()).inheritIO().start().waitFor();
        }
    }

    /** Fills the tmpfs until exactly {@code pages} pages are free. */
    private void leaveFree(int pages) throws IOException {
        Files.deleteIfExists(filler);
        FileStore store = Files.getFileStore(mount);
        long fill = store.getUsableSpace() - (long) pages * PAGE;
        try (FileChannel channel = FileChannel.open(filler, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocate(PAGE);
            for (long written = 0; written < fill; written += PAGE) {
                zeros.clear();
                channel.write(zeros);
            }
        }
        assertThat(store.getUsableSpace()).isEqualTo((long) pages * PAGE);
    }

    private JsonNode probabilities() {
        return RunningServer.post(http, "/infer", Map.of("x", List.of(TestFixtures.sample(1))))
            .getBody()
            .get("predictions")
            .get(0)
            .get("probabilities");
    }

    private JsonNode list() {
        return http.get().uri("/checkpoints").retrieve().body(JsonNode.class);
    }

    private JsonNode health() {
        return http.get().uri("/actuator/health").retrieve().body(JsonNode.class).get("components").get("checkpoints");
    }

    private void assertStorageFull(ResponseEntity<JsonNode> response) {
        assertThat(response.getStatusCode().value()).as(String.valueOf(response.getBody())).isEqualTo(507);
        assertThat(response.getHeaders().getContentType().toString()).startsWith("application/problem+json");
        assertThat(response.getBody().get("detail").asString()).contains(checkpoints.toString())
            .containsPattern("needs \\d+ bytes")
            .containsPattern("\\d+ bytes? (are|is) free");
    }

    /** Nothing of a failed write is left behind, and nothing else was touched. */
    private void assertUnchanged(List<String> ids, JsonNode answers) throws IOException {
        JsonNode list = list();
        assertThat(list.get("checkpoints").valueStream().map(c -> c.get("id").asString()))
            .containsExactlyInAnyOrderElementsOf(ids);
        assertThat(list.get("current").asString()).isEqualTo(ids.get(ids.size() - 1));
        assertThat(probabilities()).isEqualTo(answers);
        try (var files = Files.list(checkpoints)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                .filteredOn(n -> n.endsWith(".weights") || n.endsWith(".tmp"))
                .containsExactlyInAnyOrderElementsOf(ids.stream().map(id -> id + ".weights").toList());
        }
    }

    @Test
    void aFullDiskAnswers507AtEveryWriteChangesNothingAndWorksAgainOnceSpaceIsFreed() throws Exception {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        try (ConfigurableApplicationContext server = RunningServer.start(model, checkpoints)) {
            http = RunningServer.client(RunningServer.port(server), null);
            RunningServer.post(http, "/train", Map.of("x", TestFixtures.batch(4), "y", TestFixtures.labels(4)));
            JsonNode saved = RunningServer.post(http, "/checkpoint/save", null).getBody();
            String older = saved.get("id").asString();
            byte[] file = http.get().uri("/checkpoints/" + older + "/file").retrieve().body(byte[].class);
            int dataPages = (int) ((saved.get("bytes").asLong() + PAGE - 1) / PAGE);
            RunningServer.post(http, "/train", Map.of("x", TestFixtures.batch(4), "y", TestFixtures.labels(4)));
            String newer = RunningServer.post(http, "/checkpoint/save", null).getBody().get("id").asString();
            List<String> ids = List.of(older, newer);
            RunningServer.post(http, "/train", Map.of("x", TestFixtures.batch(4), "y", TestFixtures.labels(4)));
            JsonNode answers = probabilities();

            // No room for the data file.
            leaveFree(0);
            assertStorageFull(RunningServer.post(http, "/checkpoint/save", null));
            assertUnchanged(ids, answers);
            assertStorageFull(RunningServer.upload(http, "from-peer", TestFixtures.variant(file, 1)));
            assertUnchanged(ids, answers);
            assertStorageFull(RunningServer.post(http, "/checkpoint/restore", Map.of("id", older)));
            assertStorageFull(RunningServer.post(http, "/checkpoint/reset", null));
            assertUnchanged(ids, answers);
            JsonNode full = health();
            assertThat(full.get("status").asString()).isEqualTo("DOWN");
            assertThat(full.get("details").get("usableBytes").asLong()).isZero();

            // Room for the data file, not for its manifest.
            leaveFree(dataPages);
            assertStorageFull(RunningServer.post(http, "/checkpoint/save", null));
            assertUnchanged(ids, answers);
            assertStorageFull(RunningServer.upload(http, "from-peer", TestFixtures.variant(file, 1)));
            assertUnchanged(ids, answers);

            // Room for data and manifest, not for the record of the current checkpoint.
            leaveFree(dataPages + 1);
            assertStorageFull(RunningServer.post(http, "/checkpoint/save", null));
            assertUnchanged(ids, answers);

            // Space freed: everything works again, without a restart.
            Files.delete(filler);
            assertThat(health().get("status").asString()).isEqualTo("UP");
            ResponseEntity<JsonNode> again = RunningServer.post(http, "/checkpoint/save", null);
            assertThat(again.getStatusCode().value()).isEqualTo(201);
            assertThat(list().get("current").asString()).isEqualTo(again.getBody().get("id").asString());
            assertThat(RunningServer.upload(http, "from-peer", TestFixtures.variant(file, 1)).getStatusCode().value())
                .isEqualTo(201);
            assertThat(RunningServer.post(http, "/checkpoint/restore", Map.of("id", older)).getStatusCode().value())
                .isEqualTo(200);
        }
        try (ConfigurableApplicationContext server = RunningServer.start(model, checkpoints)) {
            http = RunningServer.client(RunningServer.port(server), null);
            assertThat(health().get("status").asString()).isEqualTo("UP");
            assertThat(health().get("details").get("removedAtStartup").get("files").asInt()).isZero();
            assertThat(list().get("current").asString()).isNotNull();
        }
    }

}
