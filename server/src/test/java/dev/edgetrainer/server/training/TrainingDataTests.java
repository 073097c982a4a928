package dev.edgetrainer.server.training;

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

}
