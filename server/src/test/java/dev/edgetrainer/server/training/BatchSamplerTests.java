package dev.edgetrainer.server.training;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import dev.edgetrainer.model.hosting.HostingPlan.Targets;
import dev.edgetrainer.model.tensor.DataType;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.TensorSpec;
import dev.edgetrainer.server.data.TrainingData;
import dev.edgetrainer.server.model.ModelInfo;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BatchSamplerTests {

    private static final ModelInfo.Train SPEC = new ModelInfo.Train("train",
            new TensorSpec("x", DataType.FLOAT32, new int[] { -1, 2 }),
            new TensorSpec("y", DataType.FLOAT32, new int[] { -1, 1 }), "loss", Targets.VALUES);

    /**
     * Sample i is x = [i, -i] with target y = [i], so a batch shows which samples it
     * holds.
     */
    private static TrainingData data(int count) {
        float[] x = new float[count * 2];
        float[] y = new float[count];
        for (int i = 0; i < count; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = -i;
            y[i] = i;
        }
        return TrainingData.ofFloats(x, y, count);
    }

    /** The sample indices of one epoch, batch by batch, checking that x and y pair up. */
    private static List<Integer> epoch(BatchSampler sampler) {
        List<Integer> seen = new ArrayList<>();
        for (int b = 0; b < sampler.stepsPerEpoch(); b++) {
            Map<String, Tensor> batch = sampler.batch(b);
            float[] x = batch.get("x").floats();
            float[] y = batch.get("y").floats();
            assertThat(batch.get("x").shape()).containsExactly(sampler.size(b), 2);
            assertThat(batch.get("y").shape()).containsExactly(sampler.size(b), 1);
            for (int i = 0; i < sampler.size(b); i++) {
                assertThat(x[2 * i]).isEqualTo(y[i]);
                assertThat(x[2 * i + 1]).isEqualTo(-y[i]);
                seen.add((int) y[i]);
            }
        }
        return seen;
    }

    @Test
    void withoutShufflingAnEpochIsTheSamplesInOrderAndTheLastBatchIsShort() {
        BatchSampler sampler = new BatchSampler(data(5), SPEC, 2, 1);

        assertThat(sampler.stepsPerEpoch()).isEqualTo(3);
        assertThat(sampler.size(2)).isEqualTo(1);
        assertThat(epoch(sampler)).containsExactly(0, 1, 2, 3, 4);
    }

    @Test
    void aShuffledEpochStillVisitsEverySampleOnce() {
        BatchSampler sampler = new BatchSampler(data(50), SPEC, 8, 7);

        sampler.shuffle();
        List<Integer> first = epoch(sampler);
        sampler.shuffle();
        List<Integer> second = epoch(sampler);

        Integer[] all = IntStream.range(0, 50).boxed().toArray(Integer[]::new);
        assertThat(first).containsExactlyInAnyOrder(all).isNotEqualTo(List.of(all));
        assertThat(second).containsExactlyInAnyOrder(all).isNotEqualTo(first);
    }

    @Test
    void theSameSeedGivesTheSameOrder() {
        BatchSampler one = new BatchSampler(data(50), SPEC, 8, 42);
        BatchSampler other = new BatchSampler(data(50), SPEC, 8, 42);

        one.shuffle();
        other.shuffle();

        assertThat(epoch(one)).isEqualTo(epoch(other));
    }

    @Test
    void batchesOfOneSizeShareTheirBuffers() {
        BatchSampler sampler = new BatchSampler(data(5), SPEC, 2, 1);

        float[] first = sampler.batch(0).get("x").floats();
        float[] second = sampler.batch(1).get("x").floats();
        float[] shortLast = sampler.batch(2).get("x").floats();

        assertThat(second).isSameAs(first).containsExactly(2, -2, 3, -3);
        assertThat(shortLast).isNotSameAs(first).hasSize(2);
    }

    @Test
    void idxPixelsAreScaledToUnitFloats() {
        TrainingData pixels = TrainingData.ofPixels(new byte[] { 0, (byte) 255, (byte) 51, 102 }, new float[] { 1, 0 },
                2);
        BatchSampler sampler = new BatchSampler(pixels, SPEC, 2, 1);

        assertThat(sampler.batch(0).get("x").floats()).containsExactly(0f, 1f, 0.2f, 0.4f);
    }

}
