package dev.edgetrainer.server.training;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LossHistoryTests {

    private static final Instant T0 = Instant.parse("2025-01-01T12:00:00Z");

    @Test
    void everyStepIsAPointUntilTheCapacityIsReached() {
        LossHistory history = new LossHistory();
        for (int i = 1; i <= 3; i++) {
            history.record(100 + i, i / 10.0, T0.plusSeconds(i));
        }

        LossHistory.Slice slice = history.since(-1, 0);

        assertThat(slice.full()).isTrue();
        assertThat(slice.stepsPerPoint()).isEqualTo(1);
        assertThat(slice.steps()).isEqualTo(3);
        assertThat(slice.points()).containsExactly(new LossHistory.Point(1, 101, 0.1, T0.plusSeconds(1)),
                new LossHistory.Point(2, 102, 0.2, T0.plusSeconds(2)),
                new LossHistory.Point(3, 103, 0.3, T0.plusSeconds(3)));
    }

    @Test
    void aClientOfTheCurrentGenerationGetsOnlyNewerPoints() {
        LossHistory history = new LossHistory();
        history.record(1, 1.0, T0);
        LossHistory.Slice first = history.since(-1, 0);
        history.record(2, 0.5, T0);
        history.record(3, 0.25, T0);

        LossHistory.Slice next = history.since(first.lastSeq(), first.generation());

        assertThat(next.full()).isFalse();
        assertThat(next.points()).extracting(LossHistory.Point::seq).containsExactly(2L, 3L);
        assertThat(history.since(next.lastSeq(), next.generation()).points()).isEmpty();
        // Another generation (a merge, or a restarted server) gets everything again.
        assertThat(history.since(next.lastSeq(), next.generation() + 1).points()).hasSize(3);
    }

    @Test
    void pastTheCapacityNeighboursMergeSoTheCurveStillSpansEveryStep() {
        LossHistory history = new LossHistory();
        long generation = history.generation();
        int steps = LossHistory.CAPACITY * 5 + 3;
        for (int i = 1; i <= steps; i++) {
            history.record(i, i % 2 == 0 ? 1.0 : 3.0, T0.plusMillis(i));
        }

        LossHistory.Slice slice = history.since(-1, 0);

        // 1024 + 1 steps forced one merge (pairs), 2048 + 2 another, 4096 + 4 a third.
        assertThat(slice.stepsPerPoint()).isEqualTo(8);
        assertThat(history.generation()).isEqualTo(generation + 3);
        assertThat(slice.steps()).isEqualTo(steps);
        assertThat(slice.points()).hasSize(steps / 8).hasSizeLessThanOrEqualTo(LossHistory.CAPACITY);
        assertThat(slice.points().get(0).seq()).isEqualTo(8);
        assertThat(slice.points().get(slice.points().size() - 1).seq()).isEqualTo(steps / 8 * 8);
        // Each point is the mean of its steps: alternating 3 and 1 average to 2.
        assertThat(slice.points()).allSatisfy(point -> assertThat(point.loss()).isEqualTo(2.0));
        assertThat(slice.points().get(0).at()).isEqualTo(T0.plusMillis(8));
    }

    @Test
    void theGenerationSurvivesABrowserThatReadsJsonNumbersAsDoubles() {
        for (int run = 0; run < 100; run++) {
            long generation = new LossHistory().generation();

            assertThat(generation).isPositive().isLessThan(1L << 53);
            assertThat((long) (double) generation).isEqualTo(generation);
        }
    }

}
