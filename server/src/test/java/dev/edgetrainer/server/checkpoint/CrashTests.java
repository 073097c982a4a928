package dev.edgetrainer.server.checkpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.edgetrainer.server.ForkedServer;
import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kill -9} of a real server process at random moments while clients save, train
 * and upload: after every restart the server is healthy, every checkpoint it acknowledged
 * (201) is there with the SHA-256 it answered, and no temp file or orphaned data file is
 * left. {@code -Dedge.crash.rounds=N} runs more rounds (issue 12's torture suite).
 */
class CrashTests {

    private static final int ROUNDS = Integer.getInteger("edge.crash.rounds", 5);

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedCheckpointSurvivesKillDashNineAndNothingIsLeftBehind() throws Exception {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        Path checkpoints = dir.resolve("ckpt");
        String[] args = { "--edge.model.path=" + model, "--edge.checkpoint.dir=" + checkpoints,
                "--edge.checkpoint.keep=10000", "--edge.checkpoint.keep-uploads=10000" };
        Map<String, String> acknowledged = new ConcurrentHashMap<>();
        Random random = new Random(8);
        byte[] peerFile = null;
        for (int round = 0; round <= ROUNDS; round++) {
            try (ForkedServer server = ForkedServer.start(dir, ForkedServer.SMALL_JVM, args)) {
                RestClient http = server.client();
                assertIntact(http, checkpoints, acknowledged, "after crash " + round);
                if (round == ROUNDS) {
                    break;
                }
                if (peerFile == null) {
                    String first = http.post()
                        .uri("/checkpoint/save")
                        .retrieve()
                        .body(JsonNode.class)
                        .get("id")
                        .asString();
                    peerFile = http.get().uri("/checkpoints/" + first + "/file").retrieve().body(byte[].class);
                    acknowledged.put(first,
                            http.get()
                                .uri("/checkpoints/" + first)
                                .retrieve()
                                .body(JsonNode.class)
                                .get("sha256")
                                .asString());
                }
                byte[] file = peerFile;
                int r = round;
                AtomicBoolean running = new AtomicBoolean(true);
                ExecutorService clients = Executors.newFixedThreadPool(3);
                clients.submit(() -> {
                    for (int i = 0; running.get(); i++) {
                        if (i % 3 == 0) {
                            post(http, "/train", Map.of("x", TestFixtures.batch(4), "y", TestFixtures.labels(4)));
                        }
                        record(acknowledged, post(http, "/checkpoint/save", null));
                    }
                    return null;
                });
                clients.submit(() -> {
                    for (int i = 0; running.get(); i++) {
                        record(acknowledged,
                                http.put()
                                    .uri("/checkpoints/peer-" + r + "-" + i + "/file")
                                    .contentType(MediaType.APPLICATION_OCTET_STREAM)
                                    .body(TestFixtures.variant(file, i))
                                    .retrieve()
                                    .toEntity(JsonNode.class));
                    }
                    return null;
                });
                clients.submit(() -> {
                    while (running.get()) {
                        List<String> ids = new ArrayList<>(acknowledged.keySet());
                        String id = ids.get(random.nextInt(ids.size()));
                        post(http, "/checkpoint/restore", Map.of("id", id));
                    }
                    return null;
                });
                Thread.sleep(300 + random.nextInt(1500));
                server.kill();
                running.set(false);
                clients.shutdownNow();
            }
        }
        assertThat(acknowledged.size()).isGreaterThan(ROUNDS);
    }

    /** Null when the kill cut the request off. */
    private static ResponseEntity<JsonNode> upload(RestClient http, String id, byte[] file) {
        try {
            return RunningServer.upload(http, id, file);
        }
        catch (RuntimeException connectionLost) {
            return null;
        }
    }

    /** Null when the kill cut the request off. */
    private static ResponseEntity<JsonNode> post(RestClient http, String path, Object json) {
        try {
            return RunningServer.post(http, path, json);
        }
        catch (RuntimeException connectionLost) {
            return null;
        }
    }

    /**
     * A 201 whose body arrived is an acknowledgement; anything cut off by the kill is
     * not.
     */
    private static void record(Map<String, String> acknowledged, ResponseEntity<JsonNode> response) {
        if (response != null && response.getStatusCode().value() == 201) {
            acknowledged.put(response.getBody().get("id").asString(), response.getBody().get("sha256").asString());
        }
    }

    private static void assertIntact(RestClient http, Path checkpoints, Map<String, String> acknowledged, String when)
            throws Exception {
        JsonNode health = http.get().uri("/actuator/health").retrieve().body(JsonNode.class);
        assertThat(health.get("status").asString()).as(when + ": " + health).isEqualTo("UP");
        JsonNode list = http.get().uri("/checkpoints").retrieve().body(JsonNode.class);
        assertThat(list.path("corrupt")).as(when).isEmpty();
        List<String> listed = list.get("checkpoints").valueStream().map(c -> c.get("id").asString()).toList();
        for (Map.Entry<String, String> checkpoint : acknowledged.entrySet()) {
            JsonNode manifest = http.get().uri("/checkpoints/" + checkpoint.getKey()).retrieve().body(JsonNode.class);
            assertThat(manifest.path("sha256").asString()).as(when + ": " + checkpoint.getKey())
                .isEqualTo(checkpoint.getValue());
        }
        try (var files = Files.list(checkpoints)) {
            List<String> names = files.map(p -> p.getFileName().toString()).toList();
            assertThat(names).as(when).noneMatch(n -> n.endsWith(".tmp"));
            assertThat(names).as(when)
                .filteredOn(n -> n.endsWith(".weights"))
                .allMatch(n -> listed.contains(n.substring(0, n.indexOf('.'))));
        }
    }

}
