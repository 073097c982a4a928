package dev.edgetrainer.server.checkpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code current}, the checkpoint the weights in memory descend from, is what a restarted
 * server resumes from: a rollback or a reset survives a restart, a peer's upload is never
 * picked up by itself, and retention never leaves it dangling.
 */
class CurrentCheckpointTests {

    @TempDir
    Path dir;

    private static void train(RestClient http, int seed) {
        assertThat(RunningServer
            .post(http, "/train",
                    Map.of("x", List.of(TestFixtures.sample(seed), TestFixtures.sample(seed + 3)), "y", List.of(1, 2)))
            .getStatusCode()
            .value()).isEqualTo(200);
    }

    private static String save(RestClient http) {
        ResponseEntity<JsonNode> saved = RunningServer.post(http, "/checkpoint/save", null);
        assertThat(saved.getStatusCode().value()).as(String.valueOf(saved.getBody())).isEqualTo(201);
        return saved.getBody().get("id").asString();
    }

    private static JsonNode infer(RestClient http) {
        return http.post()
            .uri("/infer")
            .contentType(MediaType.APPLICATION_JSON)
            .body(Map.of("x", List.of(TestFixtures.sample(1))))
            .retrieve()
            .body(JsonNode.class)
            .get("predictions")
            .get(0)
            .get("probabilities");
    }

    private static String current(RestClient http) {
        return http.get().uri("/checkpoints").retrieve().body(JsonNode.class).path("current").asString(null);
    }

    @Test
    void aRollbackSurvivesARestart() {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        String older;
        JsonNode olderAnswers;
        try (ConfigurableApplicationContext server = RunningServer.start(model, dir.resolve("ckpt"))) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            train(http, 1);
            older = save(http);
            olderAnswers = infer(http);
            train(http, 2);
            save(http);
            assertThat(RunningServer.post(http, "/checkpoint/restore", Map.of("id", older)).getStatusCode().value())
                .isEqualTo(200);
        }

        try (ConfigurableApplicationContext server = RunningServer.start(model, dir.resolve("ckpt"))) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            assertThat(current(http)).isEqualTo(older);
            assertThat(infer(http)).isEqualTo(olderAnswers);
        }
    }

    @Test
    void aResetSurvivesARestart() {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        JsonNode original;
        try (ConfigurableApplicationContext server = RunningServer.start(model, dir.resolve("ckpt"))) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            original = infer(http);
            train(http, 1);
            save(http);
            assertThat(RunningServer.post(http, "/checkpoint/reset", null).getStatusCode().value()).isEqualTo(200);
        }

        try (ConfigurableApplicationContext server = RunningServer.start(model, dir.resolve("ckpt"))) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            assertThat(current(http)).isNull();
            assertThat(infer(http)).isEqualTo(original);
        }
    }

    /**
     * Without a record of {@code current} (a directory from an older version), the device
     * resumes from its own newest save, not from a newer file a peer sent.
     */
    @Test
    void withoutARecordOfCurrentAPeersUploadIsNeverPickedUpAtStartup() throws Exception {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        Path checkpoints = dir.resolve("ckpt");
        String own;
        JsonNode ownAnswers;
        try (ConfigurableApplicationContext server = RunningServer.start(model, checkpoints)) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            train(http, 1);
            own = save(http);
            ownAnswers = infer(http);
            byte[] file = http.get().uri("/checkpoints/" + own + "/file").retrieve().body(byte[].class);
            assertThat(RunningServer.upload(http, "from-peer", TestFixtures.variant(file, 1)).getStatusCode().value())
                .isEqualTo(201);
        }
        try (var files = Files.list(checkpoints)) {
            for (Path file : files.toList()) {
                String name = file.getFileName().toString();
                if (!name.endsWith(".json") && !name.endsWith(".weights") && !name.endsWith(".lock")) {
                    // the record of current, whatever it is called
                    Files.delete(file);
                }
            }
        }

        try (ConfigurableApplicationContext server = RunningServer.start(model, checkpoints)) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            assertThat(current(http)).isEqualTo(own);
            assertThat(infer(http)).isEqualTo(ownAnswers);
        }
    }

    @Test
    void parallelSavesWithKeepOneGetUniqueIdsAndCurrentIsNeverPruned() throws Exception {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        try (ConfigurableApplicationContext server = RunningServer.start(model, dir.resolve("ckpt"),
                "--edge.checkpoint.keep=1")) {
            RestClient http = RunningServer.client(RunningServer.port(server), null);
            ExecutorService clients = Executors.newFixedThreadPool(8);
            try {
                for (int round = 0; round < 5; round++) {
                    CountDownLatch go = new CountDownLatch(1);
                    List<Future<ResponseEntity<JsonNode>>> saves = new ArrayList<>();
                    for (int i = 0; i < 8; i++) {
                        saves.add(clients.submit(() -> {
                            go.await();
                            return RunningServer.post(http, "/checkpoint/save", null);
                        }));
                    }
                    go.countDown();
                    Set<String> ids = new HashSet<>();
                    for (Future<ResponseEntity<JsonNode>> save : saves) {
                        assertThat(save.get().getStatusCode().value()).isEqualTo(201);
                        ids.add(save.get().getBody().get("id").asString());
                    }
                    assertThat(ids).as("round %d", round).hasSize(8);
                    String current = current(http);
                    assertThat(current).isNotNull();
                    ResponseEntity<JsonNode> manifest = http.get()
                        .uri("/checkpoints/" + current)
                        .retrieve()
                        .toEntity(JsonNode.class);
                    assertThat(manifest.getStatusCode().value()).as("current %s", current).isEqualTo(200);
                }
            }
            finally {
                clients.shutdown();
            }
        }
    }

}
