package dev.edgetrainer.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The packaged jar starts from the bean definitions {@code process-aot} generated at
 * build time ({@code spring.aot.enabled}); every other test works them out at startup. So
 * a server started from the generated ones must do what this test JVM's server does.
 */
class AotStartupTests extends RunningServer {

    private static final List<String> AOT = List.of("-Dspring.aot.enabled=true", "-XX:+UseSerialGC", "-Xmx192m");

    @TempDir
    Path dir;

    @Test
    void aServerStartedFromTheBuildTimeBeanDefinitionsAnswersAsOneThatWorksThemOut() {
        byte[] png = TestFixtures.png(4);
        List<Double> expected = probabilities(png);
        try (ForkedServer aot = ForkedServer.start(dir, AOT, "--edge.model.path=" + MODEL,
                "--edge.checkpoint.dir=" + dir.resolve("checkpoints"))) {
            assertThat(aot.log()).contains("Starting AOT-processed EdgeTrainerApplication");
            RestClient client = aot.client();

            JsonNode prediction = client.post()
                .uri("/infer")
                .contentType(MediaType.IMAGE_PNG)
                .body(png)
                .retrieve()
                .body(JsonNode.class)
                .get("predictions")
                .get(0);
            List<Double> probabilities = new ArrayList<>();
            prediction.get("probabilities").forEach(p -> probabilities.add(p.asDouble()));
            for (int i = 0; i < expected.size(); i++) {
                assertThat(probabilities.get(i)).isCloseTo(expected.get(i), within(1e-6));
            }
            ResponseEntity<JsonNode> trained = RunningServer.post(client, "/train",
                    Map.of("x", TestFixtures.batch(4), "y", TestFixtures.labels(4)));
            assertThat(trained.getStatusCode().value()).as(String.valueOf(trained.getBody())).isEqualTo(200);
            assertThat(RunningServer.post(client, "/checkpoint/save", null).getStatusCode().value()).isEqualTo(201);
            assertThat(client.get().uri("/actuator/health").retrieve().body(JsonNode.class).get("status").asString())
                .isEqualTo("UP");
            assertThat(client.get().uri("/actuator/prometheus").retrieve().body(String.class)).contains(
                    "edge_infer_latency_seconds_count", "edge_infer_batch_samples_count", "edge_train_samples_total");
            assertThat(client.get().uri("/v3/api-docs").retrieve().body(JsonNode.class).get("paths").has("/infer"))
                .isTrue();
        }
    }

    @Test
    void aWrongSettingStillStopsAServerStartedFromThemNamingIt() {
        ForkedServer aot = ForkedServer.launch(dir, AOT, "--edge.model.path=" + MODEL,
                "--edge.checkpoint.dir=" + dir.resolve("checkpoints"), "--edge.model.threads=0");

        assertThat(aot.awaitExit(Duration.ofMinutes(3))).isNotZero();
        assertThat(aot.log()).contains("edge.model.threads");
    }

    @Test
    void testsAndIdesWorkTheBeansOutAtStartup() {
        // The application class comes from target/classes here, which may hold
        // definitions
        // generated from older sources.
        assertThat(EdgeTrainerApplication.usesBuildTimeBeans(EdgeTrainerApplication.class)).isFalse();
    }

}
