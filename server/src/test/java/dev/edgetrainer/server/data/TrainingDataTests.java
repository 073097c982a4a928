package dev.edgetrainer.server.data;

import dev.edgetrainer.model.hosting.HostingPlan.Targets;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TrainingDataTests {

    private static TrainingData targets(float... y) {
        return TrainingData.ofFloats(new float[y.length], y, y.length);
    }

    @Test
    void theLabelIsTheClassTheTargetsName() {
        TrainingData rows = TrainingData.ofFloats(new float[2], new float[] { 0, 0, 1, 0.7f, 0.2f, 0.1f }, 2);

        assertThat(rows.label(0, Targets.ONE_HOT)).isEqualTo(2);
        assertThat(rows.label(1, Targets.ONE_HOT)).isEqualTo(0);
        assertThat(targets(4, 9).label(1, Targets.CLASS_INDEX)).isEqualTo(9);
        assertThat(targets(0, 1).label(0, Targets.PROBABILITY)).isZero();
        assertThat(targets(0, 1).label(1, Targets.PROBABILITY)).isEqualTo(1);
    }

    @Test
    void targetsThatNameNoClassHaveNoLabel() {
        assertThat(targets(0.4f).label(0, Targets.PROBABILITY)).isEqualTo(-1);
        assertThat(targets(2.5f).label(0, Targets.VALUES)).isEqualTo(-1);
    }

    @Test
    void aSpreadTakesEveryKthSampleWithItsTarget() {
        byte[] pixels = new byte[10 * 2];
        float[] y = new float[10];
        for (int i = 0; i < 10; i++) {
            pixels[2 * i] = (byte) i;
            pixels[2 * i + 1] = (byte) (100 + i);
            y[i] = i;
        }
        TrainingData data = TrainingData.ofPixels(pixels, y, 10);
        TrainingData spread = data.spread(4);
        assertThat(spread.count()).isEqualTo(4);
        assertThat(spread.pixels()).containsExactly(0, 100, 2, 102, 5, 105, 7, 107);
        assertThat(spread.y()).containsExactly(0, 2, 5, 7);
        assertThat(data.spread(10)).isSameAs(data);
        TrainingData floats = TrainingData.ofFloats(new float[] { 1, 2, 3 }, new float[] { 4, 5, 6 }, 3).spread(2);
        assertThat(floats.x()).containsExactly(1, 2);
        assertThat(floats.y()).containsExactly(4, 5);
    }

}
