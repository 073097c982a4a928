package dev.edgetrainer.server.federated;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One device against the real Flower server when things go wrong: the server is not there
 * when the device starts, and the server sends global weights that do not fit. The device
 * keeps serving throughout, its weights never change, and every failure is answered,
 * logged and counted.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FederatedFailureTests {

    @TempDir
    static Path dir;

    private static int port;

    private static Device device;

    @BeforeAll
    static void startTheDeviceBeforeAnyServer() {
        FlowerServer.assumeAvailable();
        port = FlowerServer.freePort();
        device = Device.start(dir.resolve("device"), TestFixtures.writeModel(dir, TestFixtures.SMALL), port);
        device.keep(TestFixtures.idxImages(60), TestFixtures.idxLabels(60), "epochs=1");
    }

    @AfterAll
    static void stop() {
        if (device != null) {
            device.close();
        }
    }

    @Test
    @Order(1)
    void aServerDownAtStartIsWaitedForWhileTheDeviceServesThenJoined() throws Exception {
        JsonNode waiting = device.awaitFederated(
                v -> v.path("lastConnectionError").path("reason").asString().equals("unavailable"),
                Duration.ofSeconds(30));
        assertThat(waiting.get("state").asString()).isIn("WAITING", "CONNECTING");
        assertThat(device.infer(TestFixtures.batch(2))).hasSize(2);
        JsonNode health = device.get("/actuator/health").getBody();
        assertThat(health.get("status").asString()).as("a missing Flower server is not the device's outage")
            .isEqualTo("UP");
        assertThat(health.get("components").get("federated").get("status").asString()).isEqualTo("UP");
        assertThat(health.get("components").get("federated").get("details").get("state").asString()).isIn("WAITING",
                "CONNECTING");
        assertThat(device.metric("edge.federated.connected")).isZero();
        assertThat(device.metric("edge.federated.failures", "reason:unavailable"))
            .as("counted once per outage, not per attempt")
            .isEqualTo(1);

        try (FlowerServer server = FlowerServer.start(port, dir.resolve("flower-late"), "--rounds", "1",
                "--min-clients", "1", "--evaluate")) {
            device.awaitFederated(v -> v.get("state").asString().equals("CONNECTED"), Duration.ofSeconds(30));
            assertThat(device.metric("edge.federated.connected")).isEqualTo(1);
            assertThat(server.awaitExit(Duration.ofMinutes(2))).as(server.output()).isZero();
        }
        JsonNode joined = device.awaitFederated(v -> v.get("rounds").asInt() == 1, Duration.ofSeconds(30));
        assertThat(joined.get("lastFit").get("examples").asInt()).isPositive();
        assertThat(device.metric("edge.federated.rounds")).isEqualTo(1);
        assertThat(device.metric("edge.federated.round.duration")).as("rounds timed").isEqualTo(1);
        assertThat(device.metric("edge.federated.bytes", "direction:in")).isPositive();
        assertThat(device.metric("edge.federated.bytes", "direction:out")).isPositive();
    }

    @Test
    @Order(2)
    void globalWeightsThatDoNotFitAreRefusedAndChangeNothing() throws Exception {
        // The small model's weights in name order: dense/bias, dense/kernel,
        // dense_1/bias,
        // dense_1/kernel.
        List<Tensor> fitting = List.of(zeros(16), zeros(784, 16), zeros(10), zeros(16, 10));
        Tensor withNaN = zeros(16, 10);
        withNaN.floats()[7] = Float.NaN;
        Map<String, List<Tensor>> bad = Map.of("shape", List.of(zeros(16), zeros(784, 32), zeros(10), zeros(16, 10)),
                "tensors", fitting.subList(0, 3), "NaN",
                List.of(fitting.get(0), fitting.get(1), fitting.get(2), withNaN));

        JsonNode before = device.infer(TestFixtures.batch(3));
        String checkpoint = device.currentCheckpoint().get("id").asString();
        int jobs = device.get("/train/jobs").getBody().size();
        double refused = device.metric("edge.federated.failures", "reason:invalid_input");
        for (Map.Entry<String, List<Tensor>> global : bad.entrySet()) {
            Path initial = dir.resolve("initial-" + global.getKey());
            write(initial, global.getValue());
            try (FlowerServer server = FlowerServer.start(port, dir.resolve("flower-" + global.getKey()), "--rounds",
                    "1", "--min-clients", "1", "--initial", initial.toString())) {
                assertThat(server.awaitExit(Duration.ofMinutes(2))).as("no round can aggregate").isNotZero();
                assertThat(Files.readString(server.out().resolve("round-1").resolve("fit.json")))
                    .as("the device's non-OK status reached the server")
                    .contains("FIT_NOT_IMPLEMENTED", "INVALID_INPUT");
            }
            JsonNode failure = device.federated().get("lastError");
            assertThat(failure.get("reason").asString()).isEqualTo("invalid_input");
            assertThat(failure.get("message").asString()).contains(global.getKey());
            assertThat(device.infer(TestFixtures.batch(3))).as("weights unchanged after bad %s", global.getKey())
                .isEqualTo(before);
        }
        assertThat(device.currentCheckpoint().get("id").asString()).as("nothing adopted").isEqualTo(checkpoint);
        assertThat(device.get("/train/jobs").getBody()).as("no training started").hasSize(jobs);
        assertThat(device.metric("edge.federated.failures", "reason:invalid_input") - refused).isEqualTo(3);
    }

    private static Tensor zeros(int... shape) {
        return Tensor.ofFloats(shape, new float[(int) Tensor.elementCount(shape)]);
    }

    /** Initial global weights as the Flower server reads them: 0.npy, 1.npy, ... */
    private static void write(Path initial, List<Tensor> tensors) throws IOException {
        Files.createDirectories(initial);
        for (int i = 0; i < tensors.size(); i++) {
            Files.write(initial.resolve(i + ".npy"), Npy.encode(tensors.get(i)));
        }
    }

}
