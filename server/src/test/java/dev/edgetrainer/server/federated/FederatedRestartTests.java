package dev.edgetrainer.server.federated;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

import dev.edgetrainer.model.hosting.HostingPlan.Targets;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.server.EdgeTrainerApplication;
import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import dev.edgetrainer.server.data.SampleStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Devices that stop in the middle of a federated run: one restarted between its rounds
 * rejoins the same run with the global weights it had adopted, and one killed with
 * SIGKILL in the middle of a round leaves the other devices serving, with their weights
 * as they were, and its own kept samples intact.
 */
class FederatedRestartTests {

    @TempDir
    Path dir;

    private Path model;

    @BeforeEach
    void model() {
        FlowerServer.assumeAvailable();
        model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
    }

    @Test
    void aDeviceRestartedBetweenRoundsKeepsItsAdoptedWeightsAndRejoinsTheRun() throws Exception {
        int port = FlowerServer.freePort();
        Device a = Device.start(dir.resolve("a"), model, port, "--edge.federated.enabled=false",
                "--edge.federated.busy-wait=120s");
        Device b = Device.start(dir.resolve("b"), model, port, "--edge.federated.enabled=false");
        Device restarted = null;
        try (FlowerServer server = FlowerServer.start(port, dir.resolve("flower"), "--rounds", "2", "--min-clients",
                "2", "--evaluate")) {
            a.keep(TestFixtures.idxImages(60), TestFixtures.idxLabels(60), "epochs=1");
            b.keep(TestFixtures.idxImages(40), TestFixtures.idxLabels(40), "epochs=1");
            // A user's long job holds device A's round 1 (it waits up to busy-wait), so
            // the run cannot go on before B is back.
            String job = longJob(a.http);
            connect(a);
            connect(b);
            b.awaitFederated(v -> v.get("rounds").asInt() == 1, Duration.ofSeconds(60));
            assertThat(a.federated().get("activity").asString()).isEqualTo("FITTING");
            JsonNode adopted = b.currentCheckpoint();
            assertThat(adopted.get("origin").asString()).isEqualTo("federated");
            SortedMap<String, Tensor> kept = b.currentWeights();
            JsonNode answers = b.infer(TestFixtures.batch(4));
            b.close();

            restarted = Device.start(dir.resolve("b"), model, port);
            assertThat(restarted.currentCheckpoint().get("id").asString()).as("the adoption survived the restart")
                .isEqualTo(adopted.get("id").asString());
            assertThat(restarted.infer(TestFixtures.batch(4))).isEqualTo(answers);
            assertThat(restarted.currentWeights().get("dense/kernel").floats())
                .isEqualTo(kept.get("dense/kernel").floats());
            restarted.awaitFederated(v -> v.get("state").asString().equals("CONNECTED"), Duration.ofSeconds(60));
            assertThat(a.http.delete().uri("/train/jobs/" + job).retrieve().toBodilessEntity().getStatusCode().value())
                .isIn(200, 202);

            assertThat(server.awaitExit(Duration.ofMinutes(3))).as(server.output()).isZero();
            List<String> names = new ArrayList<>(kept.keySet());
            Map<String, Tensor> last = Device.global(server, 2, names);
            for (Device device : List.of(a, restarted)) {
                device.awaitFederated(v -> v.path("lastAdoption").path("round").asInt() == 2, Duration.ofSeconds(30));
                device.currentWeights()
                    .forEach((name, tensor) -> assertThat(tensor.floats()).isEqualTo(last.get(name).floats()));
            }
        }
        finally {
            a.close();
            if (restarted != null) {
                restarted.close();
            }
        }
    }

    @Test
    void aDeviceKilledMidRoundLeavesTheOthersServingAndItsOwnStateIntact() throws Exception {
        int port = FlowerServer.freePort();
        Device a = Device.start(dir.resolve("a"), model, port, "--edge.federated.enabled=false");
        int killedPort = FlowerServer.freePort();
        Process killed = fork(dir.resolve("k"), port, killedPort);
        try (FlowerServer server = FlowerServer.start(port, dir.resolve("flower"), "--rounds", "1", "--min-clients",
                "2")) {
            RestClient k = RunningServer.client(killedPort, null);
            awaitUp(k, killed);
            a.keep(TestFixtures.idxImages(60), TestFixtures.idxLabels(60), "epochs=1");
            Device.keep(k, TestFixtures.idxImages(40), TestFixtures.idxLabels(40), "epochs=1");
            // K's round waits for a user's job: it is in the middle of the round when
            // killed.
            longJob(k);
            connect(a);
            assertThat(k.post().uri("/federated/connect").retrieve().toBodilessEntity().getStatusCode().value())
                .isEqualTo(200);
            a.awaitFederated(v -> v.get("rounds").asInt() == 1, Duration.ofSeconds(60));
            awaitFitting(k);
            JsonNode kept = a.currentCheckpoint();
            JsonNode answers = a.infer(TestFixtures.batch(4));
            killed.destroyForcibly();
            assertThat(killed.waitFor()).as("killed with SIGKILL (128 + 9)").isEqualTo(137);

            assertThat(server.awaitExit(Duration.ofMinutes(3))).as("round 1 lost a device").isNotZero();
            assertThat(Files.readString(server.out().resolve("round-1").resolve("fit.json"))).contains("failures");
            assertThat(a.infer(TestFixtures.batch(4))).as("the survivor serves, its weights as they were")
                .isEqualTo(answers);
            assertThat(a.currentCheckpoint().get("id").asString()).isEqualTo(kept.get("id").asString());
            assertThat(a.get("/data").getBody().get("samples").asInt()).isEqualTo(60);
        }
        finally {
            killed.destroyForcibly();
            a.close();
        }
        SampleStore samples = new SampleStore(dir.resolve("k").resolve("samples"), 10_000, 0.1, 784, 10,
                Targets.ONE_HOT, List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"));
        samples.open();
        assertThat(samples.size(SampleStore.Split.ALL)).as("the killed device's samples survived").isEqualTo(40);
    }

    /** A device server in a JVM of its own, so that it can be killed. */
    private Process fork(Path home, int flowerPort, int httpPort) throws IOException {
        List<String> command = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                        EdgeTrainerApplication.class.getName(), "--server.port=" + httpPort,
                        "--edge.model.path=" + model, "--edge.checkpoint.dir=" + home.resolve("checkpoints"),
                        "--edge.federated.enabled=false", "--edge.federated.busy-wait=120s"));
        Device.settings(home, flowerPort)
            .stream()
            .filter(arg -> !arg.startsWith("--edge.federated.enabled="))
            .forEach(command::add);
        Files.createDirectories(home);
        return new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(home.resolve("server.log").toFile())
            .start();
    }

    private static void awaitUp(RestClient client, Process process) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        while (true) {
            assertThat(process.isAlive()).as("the forked device runs").isTrue();
            assertThat(Instant.now()).as("the forked device started").isBefore(deadline);
            try {
                if (client.get().uri("/actuator/health").retrieve().toBodilessEntity().getStatusCode().value() == 200) {
                    return;
                }
            }
            catch (RuntimeException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
    }

    private static void awaitFitting(RestClient client) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
        while (!client.get()
            .uri("/federated")
            .retrieve()
            .body(JsonNode.class)
            .get("activity")
            .asString()
            .equals("FITTING")) {
            assertThat(Instant.now()).isBefore(deadline);
            Thread.sleep(50);
        }
    }

    /** Starts a user's training job that runs for minutes; returns its id. */
    private static String longJob(RestClient client) {
        MultiValueMap<String, Object> parts = RunningServer.parts();
        parts.add("images", RunningServer.file(TestFixtures.idxImages(600), "images"));
        parts.add("labels", RunningServer.file(TestFixtures.idxLabels(600), "labels"));
        ResponseEntity<JsonNode> started = client.post()
            .uri("/train?async=true&epochs=1000&batchSize=1")
            .contentType(MediaType.MULTIPART_FORM_DATA)
            .body(parts)
            .retrieve()
            .toEntity(JsonNode.class);
        assertThat(started.getStatusCode().value()).isEqualTo(202);
        return started.getBody().get("id").asString();
    }

    private static void connect(Device device) {
        assertThat(device.http.post().uri("/federated/connect").retrieve().toBodilessEntity().getStatusCode().value())
            .isEqualTo(200);
    }

}
