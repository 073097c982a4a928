package dev.edgetrainer.server.system;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

class SecurityTests {

    private static final String TOKEN = "a-long-enough-fleet-token";

    @TempDir
    Path dir;

    private static int status(RestClient.RequestHeadersSpec<?> request) {
        return request.retrieve().toBodilessEntity().getStatusCode().value();
    }

    @Test
    void theTokenGuardsTrainingAndCheckpointsButNotInferenceOrHealth() {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        try (ConfigurableApplicationContext server = RunningServer.start(model, dir.resolve("ckpt"),
                "--edge.security.token=" + TOKEN)) {
            RestClient anonymous = RunningServer.client(RunningServer.port(server), null);
            RestClient wrong = RunningServer.client(RunningServer.port(server), "not-the-token-at-all");
            RestClient authorized = RunningServer.client(RunningServer.port(server), TOKEN);
            Map<String, Object> batch = Map.of("x", TestFixtures.batch(2), "y", List.of(1, 2));

            ResponseEntity<JsonNode> refused = anonymous.post()
                .uri("/train")
                .contentType(MediaType.APPLICATION_JSON)
                .body(batch)
                .retrieve()
                .toEntity(JsonNode.class);

            assertThat(refused.getStatusCode().value()).isEqualTo(401);
            assertThat(refused.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).isEqualTo("Bearer");
            assertThat(refused.getHeaders().getContentType().toString()).startsWith("application/problem+json");
            assertThat(refused.getBody().get("field").asString()).isEqualTo("Authorization");
            for (RestClient client : List.of(anonymous, wrong)) {
                assertThat(status(client.post().uri("/checkpoint/save"))).isEqualTo(401);
                assertThat(status(client.get().uri("/checkpoints"))).isEqualTo(401);
                assertThat(status(client.get().uri("/train/jobs"))).isEqualTo(401);
                assertThat(status(client.delete().uri("/checkpoints/x"))).isEqualTo(401);
            }
            assertThat(status(wrong.post().uri("/train").contentType(MediaType.APPLICATION_JSON).body(batch)))
                .isEqualTo(401);
            assertThat(status(authorized.post().uri("/train").contentType(MediaType.APPLICATION_JSON).body(batch)))
                .isEqualTo(200);
            assertThat(status(authorized.post().uri("/checkpoint/save"))).isEqualTo(201);
            assertThat(
                    status(anonymous.post().uri("/infer").contentType(MediaType.IMAGE_PNG).body(TestFixtures.png(1))))
                .isEqualTo(200);
            assertThat(status(anonymous.get().uri("/actuator/health"))).isEqualTo(200);
        }
    }

    @Test
    void inferenceCanBeGuardedToo() {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        try (ConfigurableApplicationContext server = RunningServer.start(model, dir.resolve("ckpt"),
                "--edge.security.token=" + TOKEN, "--edge.security.protect-infer=true")) {
            RestClient anonymous = RunningServer.client(RunningServer.port(server), null);
            RestClient authorized = RunningServer.client(RunningServer.port(server), TOKEN);

            assertThat(
                    status(anonymous.post().uri("/infer").contentType(MediaType.IMAGE_PNG).body(TestFixtures.png(1))))
                .isEqualTo(401);
            assertThat(
                    status(authorized.post().uri("/infer").contentType(MediaType.IMAGE_PNG).body(TestFixtures.png(1))))
                .isEqualTo(200);
        }
    }

    @Test
    void theDashboardPageIsOpenButTheDevicesDataNeedsTheToken() {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        try (ConfigurableApplicationContext server = RunningServer.start(model, dir.resolve("ckpt"),
                "--edge.security.token=" + TOKEN)) {
            RestClient anonymous = RunningServer.client(RunningServer.port(server), null);
            RestClient authorized = RunningServer.client(RunningServer.port(server), TOKEN);

            for (String open : List.of("/", "/dashboard/dashboard.js", "/dashboard/dashboard.css",
                    "/webjars/chart.js/dist/chart.umd.min.js")) {
                assertThat(status(anonymous.get().uri(open))).as(open).isEqualTo(200);
            }
            for (String guarded : List.of("/samples/recent", "/train/history", "/train/history/stream")) {
                assertThat(status(anonymous.get().uri(guarded))).as(guarded).isEqualTo(401);
            }
            assertThat(status(authorized.get().uri("/samples/recent"))).isEqualTo(200);
            assertThat(status(authorized.get().uri("/train/history"))).isEqualTo(200);
        }
    }

}
