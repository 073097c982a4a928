package dev.edgetrainer.server.model;

import java.util.List;

import dev.edgetrainer.model.hosting.OutputKind;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * How each output kind's values become classes, for inference and for whoever scores a
 * model.
 */
class ModelInfoTests {

    private static ModelInfo.Output output(OutputKind kind, int width, String... names) {
        return new ModelInfo.Output(kind, width, List.of(names), 0.9);
    }

    @Test
    void logitsBecomeProbabilitiesThatKeepTheirOrder() {
        ModelInfo.Output logits = output(OutputKind.LOGITS, 3, "a", "b", "c");

        float[] probabilities = logits.classProbabilities(new float[] { 1000f, 1001f, -5f });

        assertThat((double) probabilities[0] + probabilities[1] + probabilities[2]).isCloseTo(1.0, within(1e-6));
        assertThat((double) probabilities[1]).isCloseTo(1 / (1 + Math.exp(-1)), within(1e-6));
        assertThat(logits.predictedClass(probabilities)).isEqualTo(1);
    }

    @Test
    void aBinaryProbabilityIsTheSecondClassFromTheThresholdOn() {
        ModelInfo.Output binary = output(OutputKind.BINARY, 1, "no", "yes");

        assertThat(binary.classProbabilities(new float[] { 0.75f })).containsExactly(0.25f, 0.75f);
        assertThat(binary.predictedClass(new float[] { 0.25f, 0.75f })).isZero();
        assertThat(binary.predictedClass(new float[] { 0.1f, 0.9f })).isEqualTo(1);
    }

    @Test
    void regressionValuesAreNoClasses() {
        assertThatThrownBy(() -> output(OutputKind.REGRESSION, 1).classProbabilities(new float[] { 2f }))
            .isInstanceOf(IllegalStateException.class);
        assertThat(output(OutputKind.REGRESSION, 1).isClassifier()).isFalse();
        assertThat(output(OutputKind.PROBABILITIES, 2, "a", "b").isClassifier()).isTrue();
    }

}
