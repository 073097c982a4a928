package dev.edgetrainer.server.federated;

import dev.edgetrainer.server.RunningServer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A device with no Flower server configured: it says so everywhere, health stays UP, and
 * the meters other helpers' dashboards use exist from the start.
 */
class FederatedEndToEndTests extends RunningServer {

    @Test
    void withoutAServerTheClientIsNotConfiguredAndHealthIsUnaffected() {
        JsonNode view = get("/federated").getBody();
        assertThat(view.get("state").asString()).isEqualTo("NOT_CONFIGURED");
        assertThat(view.get("enabled").asBoolean()).isFalse();
        assertProblem(post("/federated/connect", null), 409, null);
        assertThat(post("/federated/disconnect", null).getBody().get("state").asString()).isEqualTo("NOT_CONFIGURED");
        JsonNode health = get("/actuator/health").getBody();
        assertThat(health.get("status").asString()).isEqualTo("UP");
        assertThat(health.get("components").get("federated").get("status").asString()).isEqualTo("UNKNOWN");
    }

    @Test
    void theFleetMetersAreScrapedBeforeAnyRound() {
        String scrape = http.get().uri(uri("/actuator/prometheus")).retrieve().body(String.class);
        // Every series also carries the device's name (edge.device.id).
        for (String series : new String[] { "edge_federated_rounds_total\\{[^}]*\\} 0.0",
                "edge_federated_connected\\{[^}]*\\} 0.0",
                "edge_federated_failures_total\\{[^}]*reason=\"unavailable\"[^}]*\\} 0.0",
                "edge_federated_failures_total\\{[^}]*reason=\"invalid_input\"[^}]*\\} 0.0",
                "edge_federated_bytes_total\\{[^}]*direction=\"in\"[^}]*\\} 0.0",
                "edge_federated_bytes_total\\{[^}]*direction=\"out\"[^}]*\\} 0.0",
                "edge_federated_round_duration_seconds_count\\{[^}]*\\} 0",
                "edge_federated_round_duration_seconds_bucket\\{", "edge_evaluate_accuracy\\{", "edge_evaluate_loss\\{",
                "edge_data_samples\\{", "edge_data_validation_samples\\{" }) {
            assertThat(scrape).as(series).containsPattern("(?m)^" + series);
        }
    }

}
