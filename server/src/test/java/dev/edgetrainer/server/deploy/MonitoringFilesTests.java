package dev.edgetrainer.server.deploy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * deploy/monitoring checked by Prometheus's own promtool (Debian's prometheus package),
 * and the dashboard's structure as Grafana imports it.
 */
@SuppressWarnings("unchecked")
class MonitoringFilesTests {

    @Test
    void promtoolAcceptsTheRulesAndTheExampleConfiguration() {
        assumePromtool();
        assertThat(Deployment.run("promtool", "check", "rules", Monitoring.RULES).succeeded().output())
            .contains("SUCCESS: " + Monitoring.alerts().size() + " rules found");
        Deployment.run("promtool", "check", "config", "deploy/monitoring/prometheus.yml").succeeded();
    }

    @Test
    void everyAlertFiresOnItsConditionAndStaysQuietOnAHealthyDevice() {
        assumePromtool();
        assertThat(Deployment.run("promtool", "test", "rules", Monitoring.RULE_TESTS).succeeded().output())
            .contains("SUCCESS");
        // Each alert has a case where it fires (the healthy devices beside it must not).
        Map<String, Object> tests = new Yaml().load(Deployment.read(Monitoring.RULE_TESTS));
        List<String> firing = ((List<Map<String, Object>>) tests.get("tests")).stream()
            .flatMap(test -> ((List<Map<String, Object>>) test.get("alert_rule_test")).stream())
            .filter(expectation -> expectation.get("exp_alerts") != null)
            .map(expectation -> (String) expectation.get("alertname"))
            .toList();
        assertThat(firing).containsAll(Monitoring.alerts().keySet());
    }

    @Test
    void theDashboardHasFleetAndDevicePanelsOnAChosenPrometheus() {
        JsonNode dashboard = Monitoring.dashboard();
        assertThat(dashboard.get("uid").asString()).isEqualTo("edge-trainer-fleet");
        List<String> variables = dashboard.get("templating")
            .get("list")
            .valueStream()
            .map(variable -> variable.get("name").asString())
            .toList();
        assertThat(variables).containsExactly("datasource", "device");
        assertThat(Monitoring.panelsWithout("targets")).isEmpty();
        assertThat(Monitoring.panelsWithout("gridPos")).isEmpty();
        for (JsonNode panel : dashboard.get("panels")) {
            if (!panel.get("type").asString().equals("row")) {
                assertThat(panel.get("datasource").get("uid").asString()).as(panel.get("title").asString())
                    .isEqualTo("${datasource}");
            }
        }
        List<String> rows = dashboard.get("panels")
            .valueStream()
            .filter(panel -> panel.get("type").asString().equals("row"))
            .map(panel -> panel.get("title").asString())
            .toList();
        assertThat(rows).containsExactly("Fleet", "Device: $device");
        // What a fleet operator asked for, by the metric behind it.
        String queries = String.join("\n", Monitoring.dashboardQueries("pi-01").values());
        assertThat(queries).contains("edge_train_loss", "edge_train_step", "edge_infer_latency_seconds_count",
                "edge_infer_latency_seconds_bucket", "edge_queue_depth", "edge_checkpoint_age_seconds",
                "jvm_memory_used_bytes");
    }

    private static void assumePromtool() {
        assumeTrue(Deployment.installed("promtool"),
                "promtool (Debian package prometheus) is not installed, so the rules cannot be checked here; CI installs it");
    }

}
