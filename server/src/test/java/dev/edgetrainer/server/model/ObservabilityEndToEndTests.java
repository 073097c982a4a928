package dev.edgetrainer.server.model;

import java.util.List;
import java.util.Map;

import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.http.MediaType;

import static org.assertj.core.api.Assertions.assertThat;

class ObservabilityEndToEndTests extends RunningServer {

    @Test
    void healthHasAModelComponentAndProbeGroups() {
        JsonNode health = get("/actuator/health").getBody();

        JsonNode model = health.get("components").get("model");
        assertThat(model.get("status").asString()).isEqualTo("UP");
        assertThat(model.get("details").get("loaded").asBoolean()).isTrue();
        assertThat(model.get("details").get("signatures").valueStream().map(JsonNode::asString))
            .containsExactlyInAnyOrder("train", "infer", "save", "restore");
        assertThat(model.get("details").get("checkpointDirWritable").asBoolean()).isTrue();
        assertThat(model.get("details").get("lastRestore").has("skipped")).isTrue();
        assertThat(get("/actuator/health/liveness").getStatusCode().value()).isEqualTo(200);
        JsonNode readiness = get("/actuator/health/readiness").getBody();
        assertThat(readiness.get("components").has("model")).isTrue();
    }

    @Test
    void infoNamesTheModelTheRuntimeAndTheCpu() {
        JsonNode info = get("/actuator/info").getBody();

        assertThat(info.get("model").get("sha256").asString()).hasSize(64);
        assertThat(info.get("model").get("source").asString()).endsWith("model.tflite");
        assertThat(info.get("model").get("signatures").toString()).contains("train(");
        assertThat(info.get("runtime").get("tflite").asString()).startsWith("2.");
        assertThat(info.get("runtime").get("os.arch").asString()).isEqualTo(System.getProperty("os.arch"));
        assertThat(info.get("checkpoint").has("step")).isTrue();
    }

    @Test
    void prometheusHasEveryEdgeMetric() {
        postBytes("/infer", TestFixtures.png(1), MediaType.IMAGE_PNG);
        post("/train", Map.of("x", TestFixtures.batch(2), "y", List.of(1, 2)));
        post("/checkpoint/save", null);

        String scrape = http.get().uri(uri("/actuator/prometheus")).retrieve().body(String.class);

        assertThat(scrape)
            .contains("edge_infer_latency_seconds_bucket", "edge_train_latency_seconds_bucket",
                    "edge_train_samples_total", "edge_train_loss", "edge_queue_depth", "edge_queue_rejected_total",
                    "edge_checkpoint_age_seconds", "edge_restore_failures_total",
                    "# HELP edge_infer_latency_seconds Time from an inference request")
            .containsPattern("(?m)^edge_checkpoint_count\\{device=\"[^\"]+\"\\} 1\\.0$");
    }

    @Test
    void onlyHealthInfoMetricsAndPrometheusAreExposed() {
        assertThat(get("/actuator/metrics/edge.queue.depth").getStatusCode().value()).isEqualTo(200);
        assertThat(get("/actuator/env").getStatusCode().value()).isEqualTo(404);
        assertThat(get("/actuator/beans").getStatusCode().value()).isEqualTo(404);
    }

}
