package dev.edgetrainer.server.evaluation;

import java.util.Arrays;

import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.server.data.TrainingData;
import dev.edgetrainer.server.model.BatchInference;
import dev.edgetrainer.server.model.LoadedModel;
import dev.edgetrainer.server.model.ModelInfo;

/**
 * Loss and accuracy of the weights in the model on labelled samples, computed in Java
 * from the {@code infer} signature's outputs: every hosted model has that signature,
 * while an {@code evaluate} signature is rare and its reduction and outputs are the
 * model's own choice. The loss is the one this server trains with: the mean categorical
 * cross-entropy, from the logits' log-softmax when the model returns logits (as its train
 * signature computes it), else from the probabilities clipped at 1e-7 (as Keras does). A
 * sample counts as correct when the most probable class is its target's largest entry.
 * Interpreter thread only.
 */
public final class Evaluator {

    /** Samples per infer call: the infer endpoint's own default limit. */
    static final int BATCH = 256;

    private static final double EPSILON = 1e-7;

    private Evaluator() {
    }

    /** The measure of some weights on some samples. */
    public record Evaluation(int samples, double loss, double accuracy) {
    }

    public static Evaluation evaluate(LoadedModel model, ModelInfo info, TrainingData data) {
        int fixed = info.fixedBatch();
        int batch = fixed > 0 ? fixed : BATCH;
        int classes = info.classNames().size();
        int xSize = data.xSize();
        int[] shape = info.infer().input().shape();
        float[] x = new float[batch * xSize];
        float[] y = new float[data.ySize()];
        double lossSum = 0;
        int correct = 0;
        for (int from = 0; from < data.count(); from += batch) {
            int real = Math.min(batch, data.count() - from);
            // A model of a fixed batch size gets its last batch padded with repeats; only
            // the real samples count.
            int n = fixed > 0 ? fixed : real;
            for (int i = 0; i < n; i++) {
                data.copyX((from + i) % data.count(), x, i * xSize);
            }
            shape[0] = n;
            float[] input = n * xSize == x.length ? x : Arrays.copyOf(x, n * xSize);
            BatchInference.Outputs out = BatchInference.run(model, info, Tensor.ofFloats(shape, input));
            for (int i = 0; i < real; i++) {
                data.copyY(from + i, y, 0);
                lossSum += loss(out, i, classes, y);
                if (argmax(out.probabilities(), i * classes, classes) == argmax(y, 0, classes)) {
                    correct++;
                }
            }
        }
        return new Evaluation(data.count(), lossSum / data.count(), (double) correct / data.count());
    }

    /** Cross-entropy of one sample's prediction against its target row. */
    private static double loss(BatchInference.Outputs out, int sample, int classes, float[] y) {
        int offset = sample * classes;
        double loss = 0;
        if (out.logits() != null) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, out.logits()[offset + c]);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(out.logits()[offset + c] - max);
            }
            double logSum = max + Math.log(sum);
            for (int c = 0; c < classes; c++) {
                loss -= y[c] * (out.logits()[offset + c] - logSum);
            }
            return loss;
        }
        for (int c = 0; c < classes; c++) {
            double p = Math.min(1 - EPSILON, Math.max(EPSILON, out.probabilities()[offset + c]));
            loss -= y[c] * Math.log(p);
        }
        return loss;
    }

    private static int argmax(float[] values, int offset, int length) {
        int best = 0;
        for (int c = 1; c < length; c++) {
            if (values[offset + c] > values[offset + best]) {
                best = c;
            }
        }
        return best;
    }

}
