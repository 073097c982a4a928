package dev.edgetrainer.server.deploy;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PromQlTests {

    @Test
    void selectorsAreFoundOutsideFunctionsKeywordsAndLabelLists() {
        assertThat(PromQl.selectors(
                "(edge_train_loss != edge_train_loss or abs(edge_train_loss) == +Inf) and on (device, instance) increase(edge_train_samples_total[15m]) > 0"))
            .containsExactly("edge_train_loss", "edge_train_loss", "edge_train_loss", "edge_train_samples_total");
        assertThat(PromQl.selectors(
                "histogram_quantile(0.99, sum by (device, le) (rate(edge_infer_latency_seconds_bucket{device=~\"pi-0[12]\", x=\"}\"}[1m])))"))
            .containsExactly("edge_infer_latency_seconds_bucket{device=~\"pi-0[12]\", x=\"}\"}");
        assertThat(PromQl.selectors("count(up{job=~\"edge-trainer.*\"} == 0) or vector(0)"))
            .containsExactly("up{job=~\"edge-trainer.*\"}");
        assertThat(PromQl.selectors("edge_checkpoint_age_seconds > 6 * 3600 offset 5m"))
            .containsExactly("edge_checkpoint_age_seconds");
    }

}
