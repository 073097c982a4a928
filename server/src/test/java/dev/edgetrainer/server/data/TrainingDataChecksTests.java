package dev.edgetrainer.server.data;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainingDataChecksTests {

    private final TrainingDataChecks pixels = new TrainingDataChecks(new double[] { 0, 1 });

    @Test
    void inputsOutsideTheModelsRangeAreRefusedNamingTheSample() {
        assertThatNoException().isThrownBy(() -> pixels.inputs(new float[] { 0, 0.5f, 1, 1 }, 2, "x"));
        assertThatThrownBy(() -> pixels.inputs(new float[] { 0, 0.5f, 1, 100 }, 2, "x"))
            .isInstanceOfSatisfying(UnusableTrainingDataException.class, e -> assertThat(e.field()).isEqualTo("x[1]"))
            .hasMessageContaining("100.0 (element 1)")
            .hasMessageContaining("edge.train.input-range");
        assertThatThrownBy(() -> pixels.inputs(new float[] { -1e30f }, 1, "image"))
            .isInstanceOf(UnusableTrainingDataException.class);
    }

    @Test
    void aModelWithoutARangeTakesAnyFiniteInput() {
        assertThatNoException().isThrownBy(() -> new TrainingDataChecks(null).inputs(new float[] { 1e30f }, 1, "x"));
    }

    @Test
    void idxPixelsAreCheckedByTheirExtremes() {
        TrainingDataChecks upperHalf = new TrainingDataChecks(new double[] { 0.5, 1 });

        assertThatNoException().isThrownBy(() -> pixels.pixels(new byte[] { 0, (byte) 255 }, "images"));
        assertThatNoException().isThrownBy(() -> upperHalf.pixels(new byte[] { (byte) 200 }, "images"));
        assertThatThrownBy(() -> upperHalf.pixels(new byte[] { (byte) 200, 3 }, "images")).isInstanceOfSatisfying(
                UnusableTrainingDataException.class, e -> assertThat(e.field()).isEqualTo("images"));
    }

    @Test
    void aClassifiersTargetRowsMustBeProbabilityDistributions() {
        assertThatNoException().isThrownBy(() -> pixels.targets(new float[] { 0, 1, 0, 0.25f, 0.25f, 0.5f }, 3, "y"));
        assertThatThrownBy(() -> pixels.targets(new float[] { 0, 1, 0, 1e30f, 0, -1e30f }, 3, "y"))
            .isInstanceOfSatisfying(UnusableTrainingDataException.class, e -> assertThat(e.field()).isEqualTo("y[1]"))
            .hasMessageContaining("negative");
        assertThatThrownBy(() -> pixels.targets(new float[] { 0.5f, 0.6f, 0 }, 3, "y"))
            .hasMessageContaining("sums to 1.1");
        assertThatNoException().as("one output: a regression target, any finite value")
            .isThrownBy(() -> pixels.targets(new float[] { 1e30f, -5 }, 1, "y"));
    }

}
