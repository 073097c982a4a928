package dev.edgetrainer.server.training;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.edgetrainer.model.checkpoint.Checkpointer;
import dev.edgetrainer.model.graph.MlpModelWriter;
import dev.edgetrainer.model.runtime.TrainableModel;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The guard on the real runtime: an undo ends exactly where the undone step began. */
class NonFiniteGuardTests {

    private final TrainableModel model = TrainableModel.load(MlpModelWriter.write(TestFixtures.SMALL), "small");

    private final Checkpointer weights = Checkpointer.of(model);

    private final List<Integer> trained = new ArrayList<>();

    @AfterEach
    void close() {
        model.close();
    }

    /**
     * One train step on a batch of two samples that depends on {@code batch}; returns its
     * loss.
     */
    private float train(int batch) {
        int[] first = TestFixtures.pixels(batch);
        int[] second = TestFixtures.pixels(batch + 100);
        float[] x = new float[2 * 28 * 28];
        for (int i = 0; i < 28 * 28; i++) {
            x[i] = first[i] / 255f;
            x[28 * 28 + i] = second[i] / 255f;
        }
        float[] y = new float[20];
        y[batch % 10] = 1;
        y[10 + (batch + 3) % 10] = 1;
        float loss = model
            .run("train",
                    Map.of("x", Tensor.ofFloats(new int[] { 2, 28, 28 }, x), "y",
                            Tensor.ofFloats(new int[] { 2, 10 }, y)))
            .get("loss")
            .scalarFloat();
        trained.add(batch);
        return loss;
    }

    /** The weights now, as comparable lists. */
    private Map<String, List<Float>> now() {
        Map<String, List<Float>> copy = new TreeMap<>();
        weights.save().forEach((name, tensor) -> {
            List<Float> values = new ArrayList<>();
            for (float v : tensor.floats()) {
                values.add(v);
            }
            copy.put(name, values);
        });
        return copy;
    }

    private void steps(NonFiniteGuard guard, int from, int to) {
        for (int batch = from; batch < to; batch++) {
            guard.beforeStep(weights, batch);
            guard.afterStep(batch, train(batch));
        }
    }

    @Test
    void undoingAStepReplaysFromTheLastSnapshotToJustBeforeIt() {
        NonFiniteGuard guard = new NonFiniteGuard(true);
        steps(guard, 0, 35);
        Map<String, List<Float>> beforeStep35 = now();
        steps(guard, 35, 36);
        assertThat(now()).isNotEqualTo(beforeStep35);
        trained.clear();

        assertThat(guard.undo(weights, 35, this::train)).isEqualTo(NonFiniteGuard.Undo.EXACT);

        assertThat(now()).isEqualTo(beforeStep35);
        assertThat(trained).as("replayed since the snapshot before batch 32").containsExactly(32, 33, 34);
    }

    @Test
    void anUndoRightAfterASnapshotReplaysNothing() {
        NonFiniteGuard guard = new NonFiniteGuard(true);
        steps(guard, 0, 32);
        Map<String, List<Float>> beforeStep32 = now();
        steps(guard, 32, 33);
        trained.clear();

        assertThat(guard.undo(weights, 32, this::train)).isEqualTo(NonFiniteGuard.Undo.EXACT);

        assertThat(now()).isEqualTo(beforeStep32);
        assertThat(trained).isEmpty();
    }

    @Test
    void aReplayThatDoesNotReproduceItsLossesGoesBackToTheSnapshot() {
        NonFiniteGuard guard = new NonFiniteGuard(true);
        steps(guard, 0, 32);
        Map<String, List<Float>> beforeStep32 = now();
        steps(guard, 32, 36);

        // As if the kernels were not deterministic: the replay trains other batches.
        NonFiniteGuard.Undo undo = guard.undo(weights, 35, batch -> train(batch + 1));

        assertThat(undo).isEqualTo(NonFiniteGuard.Undo.SNAPSHOT);
        assertThat(guard.lostSteps(35)).isEqualTo(3);
        assertThat(now()).isEqualTo(beforeStep32);
    }

    @Test
    void anOffGuardNeitherSnapshotsNorUndoes() {
        NonFiniteGuard guard = new NonFiniteGuard(false);
        steps(guard, 0, 2);
        Map<String, List<Float>> afterStep1 = now();

        assertThat(guard.undo(weights, 1, this::train)).isEqualTo(NonFiniteGuard.Undo.OFF);

        assertThat(now()).isEqualTo(afterStep1);
    }

}
