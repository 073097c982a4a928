package dev.edgetrainer.server.checkpoint;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import dev.edgetrainer.server.ForkedServer;
import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One server per checkpoint directory: a second one refuses to start and names the
 * holder, and leaves the first one's files alone.
 */
class DirectoryLockTests {

    @TempDir
    Path dir;

    @Test
    void aSecondServerInTheSameJvmRefusesToStart() {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        Path checkpoints = dir.resolve("ckpt");
        try (ConfigurableApplicationContext first = RunningServer.start(model, checkpoints)) {
            assertThatThrownBy(() -> RunningServer.start(model, checkpoints).close()).rootCause()
                .hasMessageContaining(checkpoints.toString())
                .hasMessageContaining("pid " + ProcessHandle.current().pid());
            RestClient http = RunningServer.client(RunningServer.port(first), null);
            assertThat(http.post().uri("/checkpoint/save").retrieve().toBodilessEntity().getStatusCode().value())
                .isEqualTo(201);
        }
        try (ConfigurableApplicationContext again = RunningServer.start(model, checkpoints)) {
            assertThat(RunningServer.port(again)).isPositive();
        }
    }

    @Test
    void aSecondProcessRefusesToStartNamingTheHolderAndAKilledHolderReleasesTheDirectory() throws Exception {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        Path checkpoints = dir.resolve("ckpt");
        String[] args = { "--edge.model.path=" + model, "--edge.checkpoint.dir=" + checkpoints };
        String saved;
        try (ForkedServer holder = ForkedServer.start(dir, ForkedServer.SMALL_JVM, args)) {
            RestClient http = holder.client();
            saved = http.post().uri("/checkpoint/save").retrieve().body(JsonNode.class).get("id").asString();
            // An in-flight temp file of the holder's must survive the second server.
            Path inFlight = checkpoints.resolve(".x.weights.0b5c1a52-8d3e-4f7a-9e6b-2a9f0c4d1e33.tmp");
            Files.write(inFlight, new byte[] { 1 });

            ForkedServer second = ForkedServer.launch(dir, ForkedServer.SMALL_JVM, args);
            assertThat(second.awaitExit(Duration.ofMinutes(3))).isNotZero();
            assertThat(second.log()).contains("APPLICATION FAILED TO START")
                .contains("pid " + holder.pid())
                .contains(InetAddress.getLocalHost().getHostName())
                .contains("edge.checkpoint.dir");
            assertThatThrownBy(() -> RunningServer.start(model, checkpoints).close()).rootCause()
                .hasMessageContaining("pid " + holder.pid());

            assertThat(inFlight).exists();
            assertThat(http.get().uri("/checkpoints/" + saved).retrieve().toBodilessEntity().getStatusCode().value())
                .isEqualTo(200);
            holder.kill();
        }

        try (ConfigurableApplicationContext next = RunningServer.start(model, checkpoints)) {
            RestClient http = RunningServer.client(RunningServer.port(next), null);
            assertThat(http.get().uri("/checkpoints").retrieve().body(JsonNode.class).get("current").asString())
                .isEqualTo(saved);
        }
    }

}
