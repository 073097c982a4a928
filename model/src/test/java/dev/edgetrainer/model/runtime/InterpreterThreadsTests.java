package dev.edgetrainer.model.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import dev.edgetrainer.model.checkpoint.Checkpointer;
import dev.edgetrainer.model.graph.MlpModelWriter;
import dev.edgetrainer.model.graph.MlpSpec;
import dev.edgetrainer.model.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * TFLite's own threads ({@link TrainableModel.Options#threads()}): training stays correct
 * and bit-deterministic for a given thread count, which the server's NaN guard relies on
 * when it replays steps.
 */
class InterpreterThreadsTests {

    /** The bundled model's shape: 784-128-10. */
    private static final byte[] MLP = MlpModelWriter.write(MlpSpec.fashionMnist());

    private static final int STEPS = 20;

    private static final int BATCH = 100;

    /** The losses of each step and the weights after the last. */
    private record Run(float[] losses, Map<String, Tensor> weights) {
    }

    @ParameterizedTest
    @ValueSource(ints = { 2, 3, 4 })
    void trainStepsOnSeveralThreadsGiveBitIdenticalResultsOnEveryRun(int threads) {
        Run first = train(MLP, threads);
        Run second = train(MLP, threads);

        assertThat(second.losses()).containsExactly(first.losses());
        first.weights()
            .forEach((name, tensor) -> assertThat(second.weights().get(name).floats()).as(name)
                .containsExactly(tensor.floats()));
    }

    @Test
    void twoThreadsComputeWhatOneThreadComputes() {
        Run one = train(MLP, 1);
        Run two = train(MLP, 2);

        assertThat(two.losses()[STEPS - 1]).isLessThan(two.losses()[0] - 0.2f);
        for (int step = 0; step < STEPS; step++) {
            assertThat(two.losses()[step]).as("step %d", step).isCloseTo(one.losses()[step], within(1e-4f));
        }
    }

    @Test
    void tutorialFlexModelTrainsOnTwoThreadsAsOnOneAndTheSameEveryRun() throws Exception {
        byte[] tutorial = Files.readAllBytes(SharedModels.require("tutorial-mnist-flex.tflite"));

        Run one = train(tutorial, 1);
        Run two = train(tutorial, 2);
        Run again = train(tutorial, 2);

        assertThat(two.losses()[STEPS - 1]).isLessThan(two.losses()[0] / 2);
        assertThat(again.losses()).containsExactly(two.losses());
        for (int step = 0; step < STEPS; step++) {
            assertThat(two.losses()[step]).as("step %d", step).isCloseTo(one.losses()[step], within(1e-4f));
        }
    }

    @Test
    void theModelKeepsTheOptionsItWasLoadedWith() throws Exception {
        Path file = Files.createTempFile("mlp", ".tflite");
        Files.write(file, MLP);
        try (TrainableModel model = TrainableModel.load(file, new TrainableModel.Options(3));
                TrainableModel plain = TrainableModel.load(file)) {
            assertThat(model.options().threads()).isEqualTo(3);
            assertThat(plain.options()).isEqualTo(TrainableModel.Options.DEFAULT);
            assertThat(plain.options().threads()).isEqualTo(1);
        }
        finally {
            Files.delete(file);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = { 0, -1, TrainableModel.Options.MAX_THREADS + 1 })
    void threadCountsOutsideOneToTheMaximumAreRefused(int threads) {
        assertThatThrownBy(() -> new TrainableModel.Options(threads)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("threads must be between 1 and " + TrainableModel.Options.MAX_THREADS)
            .hasMessageContaining("got " + threads);
    }

    /** {@link #STEPS} steps on one random batch, which the model learns by heart. */
    private static Run train(byte[] bytes, int threads) {
        Random random = new Random(42);
        float[] x = new float[BATCH * 784];
        float[] y = new float[BATCH * 10];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextFloat();
        }
        for (int i = 0; i < BATCH; i++) {
            y[i * 10 + random.nextInt(10)] = 1;
        }
        Map<String, Tensor> batch = Map.of("x", Tensor.ofFloats(new int[] { BATCH, 28, 28 }, x), "y",
                Tensor.ofFloats(new int[] { BATCH, 10 }, y));
        float[] losses = new float[STEPS];
        try (TrainableModel model = TrainableModel.load(bytes, "threads-" + threads,
                new TrainableModel.Options(threads))) {
            for (int step = 0; step < STEPS; step++) {
                losses[step] = model.run("train", batch).get("loss").scalarFloat();
            }
            Checkpointer weights = Checkpointer.of(model);
            return new Run(losses, weights.style() == CheckpointStyle.TENSORS ? weights.save() : Map.of());
        }
    }

}
