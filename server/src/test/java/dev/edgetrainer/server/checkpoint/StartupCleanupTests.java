package dev.edgetrainer.server.checkpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a server finds in its checkpoint directory at startup: leftovers of its own
 * interrupted writes are removed, everything else is left alone, whoever put it there.
 */
class StartupCleanupTests {

    @TempDir
    Path dir;

    @Test
    void startupNeverDeletesFilesItDidNotWrite() throws Exception {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        Path home = Files.createDirectories(dir.resolve("home"));
        Files.writeString(home.resolve(".bashrc"), "export EDITOR=vi\n");
        Files.createDirectories(home.resolve(".cache"));
        Files.createDirectories(home.resolve(".config"));
        Files.writeString(home.resolve(".config").resolve("app.conf"), "x=1\n");
        Files.writeString(home.resolve(".tmp-notes"), "mine\n");
        Files.writeString(home.resolve("notes.txt"), "mine\n");
        Files.writeString(home.resolve("report.json"), "{\"not\":\"a manifest\"}");

        try (ConfigurableApplicationContext server = RunningServer.start(model, home)) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            assertThat(http.post().uri("/checkpoint/save").retrieve().toEntity(JsonNode.class).getStatusCode().value())
                .isEqualTo(201);
        }

        assertThat(home.resolve(".bashrc")).hasContent("export EDITOR=vi");
        assertThat(home.resolve(".cache")).isDirectory();
        assertThat(home.resolve(".config").resolve("app.conf")).exists();
        assertThat(home.resolve(".tmp-notes")).exists();
        assertThat(home.resolve("notes.txt")).exists();
        assertThat(home.resolve("report.json")).exists();
    }

    /**
     * What {@code kill -9} leaves: data files whose manifest was never written, and the
     * store's temp files.
     */
    @Test
    void orphanedDataFilesAndTheStoresTempFilesAreRemovedAtStartup() throws Exception {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        Path checkpoints = dir.resolve("ckpt");
        String kept;
        byte[] file;
        try (ConfigurableApplicationContext server = RunningServer.start(model, checkpoints)) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            http.post()
                .uri("/train")
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("x", TestFixtures.batch(2), "y", List.of(1, 2)))
                .retrieve()
                .toBodilessEntity();
            kept = http.post().uri("/checkpoint/save").retrieve().body(JsonNode.class).get("id").asString();
            file = http.get().uri("/checkpoints/" + kept + "/file").retrieve().body(byte[].class);
        }
        Files.write(checkpoints.resolve("20250101T000000000Z-s7.weights"), file);
        Files.write(checkpoints.resolve("from-peer.weights"), file);
        Files.write(checkpoints.resolve(".20250101T000000001Z-s8.weights.0b5c1a52-8d3e-4f7a-9e6b-2a9f0c4d1e33.tmp"),
                file);
        Files.write(checkpoints.resolve(".20250101T000000001Z-s8.json.6f1d2c3b-4a5e-4b6c-8d7e-9f0a1b2c3d4e.tmp"),
                new byte[] { '{' });

        try (ConfigurableApplicationContext server = RunningServer.start(model, checkpoints)) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            JsonNode list = http.get().uri("/checkpoints").retrieve().body(JsonNode.class);
            assertThat(list.get("checkpoints").valueStream().map(c -> c.get("id").asString())).containsExactly(kept);
            JsonNode details = http.get()
                .uri("/actuator/health")
                .retrieve()
                .body(JsonNode.class)
                .get("components")
                .get("checkpoints")
                .get("details");
            assertThat(details.get("removedAtStartup").get("files").asInt()).isEqualTo(4);
            assertThat(details.get("removedAtStartup").get("bytes").asLong()).isEqualTo(3L * file.length + 1);
        }
        try (var files = Files.list(checkpoints)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                .filteredOn(n -> n.endsWith(".weights") || n.endsWith(".json") || n.endsWith(".tmp"))
                .containsExactlyInAnyOrder(kept + ".weights", kept + ".json");
        }
    }

}
