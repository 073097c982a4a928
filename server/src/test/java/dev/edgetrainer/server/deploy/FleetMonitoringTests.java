package dev.edgetrainer.server.deploy;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real Prometheus (Debian's) scrapes a real server on 127.0.0.1 every second and
 * evaluates deploy/monitoring/alerts.yml: every alert evaluates without error and every
 * metric it watches has data; every dashboard query returns data.
 */
class FleetMonitoringTests {

    private static final String DEVICE = "fleet-test-07";

    private static ConfigurableApplicationContext server;

    private static Process prometheus;

    private static RestClient api;

    @BeforeAll
    static void scrapeARunningServer(@TempDir Path temp) throws Exception {
        assumeTrue(Deployment.installed("prometheus"), "prometheus (Debian package prometheus) is not installed, "
                + "so the rules and the dashboard cannot be evaluated here; CI installs it");
        server = RunningServer.start(TestFixtures.writeModel(temp, TestFixtures.SMALL), temp.resolve("checkpoints"),
                "--edge.device.id=" + DEVICE);
        int port = RunningServer.port(server);
        RestClient device = RunningServer.client(port, null);
        for (int seed = 0; seed < 5; seed++) {
            device.post()
                .uri("/infer")
                .contentType(MediaType.IMAGE_PNG)
                .body(TestFixtures.png(seed))
                .retrieve()
                .toBodilessEntity();
        }
        device.post()
            .uri("/train")
            .contentType(MediaType.APPLICATION_JSON)
            .body(Map.of("x", TestFixtures.batch(8), "y", TestFixtures.labels(8)))
            .retrieve()
            .toBodilessEntity();
        device.post().uri("/checkpoint/save").retrieve().toBodilessEntity();

        int prometheusPort = freePort();
        Path config = temp.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files: ["%s"]
                scrape_configs:
                  - job_name: edge-trainer
                    metrics_path: /actuator/prometheus
                    static_configs:
                      - targets: ["127.0.0.1:%d"]
                """.formatted(Deployment.file(Monitoring.RULES), port));
        prometheus = new ProcessBuilder("prometheus", "--config.file=" + config,
                "--storage.tsdb.path=" + temp.resolve("data"), "--web.listen-address=127.0.0.1:" + prometheusPort)
            .redirectErrorStream(true)
            .redirectOutput(temp.resolve("prometheus.log").toFile())
            .start();
        api = RestClient.builder()
            .baseUrl("http://127.0.0.1:" + prometheusPort)
            .defaultStatusHandler(status -> true, (request, response) -> {
            })
            .build();
        // Three scrapes (rates need two samples) and every rule evaluated once.
        await(() -> query("count_over_time(edge_train_step[1m]) >= 3").size() == 1
                && rules().valueStream().allMatch(rule -> !rule.get("lastEvaluation").asString().startsWith("0001")),
                temp.resolve("prometheus.log"));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly().waitFor();
            }
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void everyAlertEvaluatesAndEveryMetricItWatchesHasData() {
        Map<String, String> alerts = Monitoring.alerts();
        assertThat(rules().valueStream().map(rule -> rule.get("name").asString()))
            .containsExactlyInAnyOrderElementsOf(alerts.keySet());
        rules().forEach(rule -> assertThat(rule.get("health").asString())
            .as(rule.get("name").asString() + ": " + rule.path("lastError").asString(""))
            .isEqualTo("ok"));
        alerts.forEach((alert, expression) -> {
            query(expression);
            List<String> selectors = PromQl.selectors(expression);
            assertThat(selectors).as(alert).isNotEmpty();
            selectors.forEach(selector -> assertThat(query(selector)).as("%s: %s", alert, selector).isNotEmpty());
        });
    }

    @Test
    void everyDashboardQueryReturnsData() {
        Map<String, String> queries = Monitoring.dashboardQueries(DEVICE);
        assertThat(queries).hasSizeGreaterThan(20);
        queries.forEach((panel, expression) -> {
            assertThat(query(expression)).as("%s: %s", panel, expression).isNotEmpty();
            PromQl.selectors(expression)
                .forEach(selector -> assertThat(query(selector)).as("%s: %s", panel, selector).isNotEmpty());
        });
    }

    @Test
    void everyEdgeSeriesNamesTheDevice() {
        assertThat(query("{__name__=~\"edge_.+\"}")).hasSizeGreaterThan(20);
        assertThat(query("{__name__=~\"edge_.+\", device!=\"" + DEVICE + "\"}")).isEmpty();
        JsonNode devices = api.get()
            .uri("/api/v1/label/device/values?match[]=edge_train_step")
            .retrieve()
            .body(JsonNode.class);
        assertThat(devices.get("data").valueStream().map(JsonNode::asString)).containsExactly(DEVICE);
    }

    /** The result of an instant query; fails on a query Prometheus refuses. */
    private static List<JsonNode> query(String expression) {
        MultiValueMap<String, String> form = new LinkedMultiValueMap<>();
        form.add("query", expression);
        JsonNode answer = api.post()
            .uri("/api/v1/query")
            .contentType(MediaType.APPLICATION_FORM_URLENCODED)
            .body(form)
            .retrieve()
            .body(JsonNode.class);
        assertThat(answer.get("status").asString()).as(expression + ": " + answer).isEqualTo("success");
        return answer.get("data").get("result").valueStream().toList();
    }

    private static JsonNode rules() {
        JsonNode groups = api.get().uri("/api/v1/rules").retrieve().body(JsonNode.class).get("data").get("groups");
        assertThat(groups).hasSize(1);
        return groups.get(0).get("rules");
    }

    private static void await(BooleanSupplier condition, Path log) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
        while (Instant.now().isBefore(deadline)) {
            assertThat(prometheus.isAlive()).as(() -> "prometheus exited: " + read(log)).isTrue();
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            }
            catch (RuntimeException | AssertionError notYet) {
                // Not listening yet, or no data yet.
            }
            Thread.sleep(250);
        }
        throw new AssertionError("prometheus did not scrape the server within 90 s: " + read(log));
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        }
        catch (IOException ex) {
            return ex.toString();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

}
