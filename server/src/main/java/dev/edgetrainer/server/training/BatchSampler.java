package dev.edgetrainer.server.training;

import java.util.Map;
import java.util.Random;

import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.TensorSpec;
import dev.edgetrainer.server.data.TrainingData;
import dev.edgetrainer.server.model.ModelInfo;

/**
 * Cuts a job's samples into the batches of one epoch, in an order that is shuffled anew
 * each epoch when asked. The batch buffers are kept, so a step allocates nothing when
 * sizes repeat. Interpreter thread only.
 */
final class BatchSampler {

    private final ModelInfo.Train spec;

    private final int batchSize;

    private final int samples;

    private final int[] order;

    private final Random random;

    private TrainingData data;

    /** Reused by every batch: slot 0 for x, 1 for y. */
    private final float[][] buffers = new float[2][];

    BatchSampler(TrainingData data, ModelInfo.Train spec, int batchSize, long seed) {
        this.data = data;
        this.spec = spec;
        this.batchSize = batchSize;
        this.samples = data.count();
        this.order = new int[samples];
        for (int i = 0; i < samples; i++) {
            order[i] = i;
        }
        this.random = new Random(seed);
    }

    int stepsPerEpoch() {
        return (samples + batchSize - 1) / batchSize;
    }

    /** Samples in batch {@code inEpoch}: the last one of an epoch may be short. */
    int size(int inEpoch) {
        int from = inEpoch * batchSize;
        return Math.min(from + batchSize, samples) - from;
    }

    /** A new order for the next epoch (Fisher-Yates). */
    void shuffle() {
        for (int i = samples - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    /** Batch {@code inEpoch} of the current order, as the train signature's inputs. */
    Map<String, Tensor> batch(int inEpoch) {
        int from = inEpoch * batchSize;
        int to = from + size(inEpoch);
        return Map.of(spec.x().name(), tensor(from, to, data.xSize(), spec.x(), data::copyX, 0), spec.y().name(),
                tensor(from, to, data.ySize(), spec.y(), data::copyY, 1));
    }

    /** Lets the samples and buffers go once the job ends; the job view outlives them. */
    void release() {
        data = null;
        buffers[0] = null;
        buffers[1] = null;
    }

    private interface SampleCopier {

        void copy(int sample, float[] out, int offset);

    }

    private Tensor tensor(int from, int to, int size, TensorSpec tensorSpec, SampleCopier copier, int slot) {
        int length = (to - from) * size;
        if (buffers[slot] == null || buffers[slot].length != length) {
            buffers[slot] = new float[length];
        }
        float[] out = buffers[slot];
        for (int i = from; i < to; i++) {
            copier.copy(order[i], out, (i - from) * size);
        }
        int[] shape = tensorSpec.shape();
        shape[0] = to - from;
        return Tensor.ofFloats(shape, out);
    }

}
