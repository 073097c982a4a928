package dev.edgetrainer.server.federated;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import com.google.protobuf.ByteString;
import dev.edgetrainer.server.TestFixtures;
import dev.edgetrainer.server.federated.proto.Parameters;
import dev.edgetrainer.server.federated.proto.Scalar;
import dev.edgetrainer.server.federated.proto.ServerMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server that breaks the protocol, played by a {@link ScriptedFlowerServer} (the real
 * Flower server never does these things): an instruction of an unknown kind, a message
 * over {@code edge.federated.max-message-size}, and a server that goes away while the
 * device trains its round. Each is logged and counted, the device reconnects and keeps
 * serving, and its weights never change.
 */
class MisbehavingServerTests {

    @TempDir
    Path dir;

    @Test
    void unreadableOrOversizedMessagesAndAServerGoneMidRoundChangeNothing() throws Exception {
        int port = FlowerServer.freePort();
        ScriptedFlowerServer server = new ScriptedFlowerServer(port);
        try (Device device = Device.start(dir.resolve("device"), TestFixtures.writeModel(dir, TestFixtures.SMALL), port,
                "--edge.federated.max-message-size=64KB")) {
            device.keep(TestFixtures.idxImages(40), TestFixtures.idxLabels(40), "epochs=1");
            JsonNode before = device.infer(TestFixtures.batch(3));

            // An instruction of a kind the protocol does not have (field 9).
            ScriptedFlowerServer.Connection first = server.accept();
            first.toDevice().onNext(ServerMessage.parseFrom(new byte[] { 9 << 3 | 2, 0 }));
            // It reconnects...
            ScriptedFlowerServer.Connection second = server.accept();
            assertThat(device.federated().get("lastError").get("reason").asString()).isEqualTo("protocol");

            // A fit instruction of 100 KB, over the device's 64 KB limit.
            second.toDevice()
                .onNext(ServerMessage.newBuilder()
                    .setFitIns(ServerMessage.FitIns.newBuilder()
                        .setParameters(Parameters.newBuilder().addTensors(ByteString.copyFrom(new byte[100_000]))))
                    .build());
            ScriptedFlowerServer.Connection third = server.accept();
            assertThat(device.federated().get("lastError").get("message").asString()).contains("max-message-size");
            assertThat(device.metric("edge.federated.failures", "reason:protocol")).isEqualTo(2);

            // Still a working client: it sends its weights, then trains a long round...
            Parameters weights = third.weights();
            third.toDevice()
                .onNext(ServerMessage.newBuilder()
                    .setFitIns(ServerMessage.FitIns.newBuilder()
                        .setParameters(weights)
                        .putConfig("epochs", Scalar.newBuilder().setSint64(1000).build())
                        .putConfig("batch_size", Scalar.newBuilder().setSint64(1).build()))
                    .build());
            device.awaitFederated(v -> v.get("activity").asString().equals("FITTING"), Duration.ofSeconds(60));
            // ...from which the server goes away.
            server.close();
            JsonNode lost = device.awaitFederated(v -> v.path("lastError").path("reason").asString().equals("lost"),
                    Duration.ofSeconds(60));
            assertThat(lost.get("state").asString()).isIn("WAITING", "CONNECTING");
            device.awaitFederated(v -> v.get("activity").asString().equals("IDLE"), Duration.ofSeconds(60));
            List<JsonNode> jobs = device.get("/train/jobs").getBody().valueStream().toList();
            assertThat(jobs.get(0).get("origin").asString()).isEqualTo("federated");
            assertThat(jobs.get(0).get("status").asString()).as("the round's training was cancelled")
                .isEqualTo("CANCELLED");
            assertThat(device.infer(TestFixtures.batch(3))).as("the weights are as before").isEqualTo(before);
            assertThat(device.get("/actuator/health").getBody().get("status").asString()).isEqualTo("UP");
        }
        finally {
            server.close();
        }
    }

}
