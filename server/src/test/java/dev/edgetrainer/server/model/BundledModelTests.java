package dev.edgetrainer.server.model;

import java.io.InputStream;
import java.util.List;

import dev.edgetrainer.model.graph.PretrainingHistory;
import dev.edgetrainer.server.system.EdgeProperties;
import org.junit.jupiter.api.Test;

import org.springframework.core.io.ClassPathResource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

class BundledModelTests {

    @Test
    void theBundledModelCarriesTheLossCurveOfItsPretraining() throws Exception {
        byte[] model;
        try (InputStream in = new ClassPathResource(EdgeProperties.BUNDLED_MODEL).getInputStream()) {
            model = in.readAllBytes();
        }

        PretrainingHistory history = PretrainingHistory.read(model).orElseThrow();

        // As written by the pretrain command the model README gives (100 epochs, batch
        // 100).
        assertThat(history.samples()).isEqualTo(60_000);
        assertThat(history.batchSize()).isEqualTo(100);
        List<Double> losses = history.epochLosses();
        assertThat(losses).hasSize(100);
        assertThat(losses.get(9)).isCloseTo(0.426, offset(0.0005));
        assertThat(losses.get(99)).isCloseTo(0.235, offset(0.0005));
    }

}
