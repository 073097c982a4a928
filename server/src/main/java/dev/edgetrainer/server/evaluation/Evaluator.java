package dev.edgetrainer.server.evaluation;

import java.util.Arrays;

import dev.edgetrainer.model.hosting.HostingPlan.Targets;
import dev.edgetrainer.model.hosting.OutputKind;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.server.data.TrainingData;
import dev.edgetrainer.server.model.BatchInference;
import dev.edgetrainer.server.model.LoadedModel;
import dev.edgetrainer.server.model.ModelInfo;

/**
 * Loss and accuracy of the weights in the model on labelled samples, computed in Java
 * from the infer role's outputs: every model the server can evaluate has that role, while
 * an {@code evaluate} signature is rare and its reduction and outputs are the model's own
 * choice. The loss is the one the train signatures of the supported output kinds compute:
 * for classes, the mean cross-entropy, from the logits' log-softmax when the model
 * returns logits, else from the probabilities clipped at 1e-7 (as Keras does); for a
 * binary model, the binary cross-entropy; for regression, the mean squared error. A
 * sample is correct when its predicted class is its target's (accuracy is NaN for
 * regression). Interpreter thread only.
 */
public final class Evaluator {

    /** Samples per infer call: the infer endpoint's own default limit. */
    static final int BATCH = 256;

    private static final double EPSILON = 1e-7;

    private Evaluator() {
    }

    /**
     * The measure of some weights on some samples.
     *
     * @param accuracy NaN for a regression model
     */
    public record Evaluation(int samples, double loss, double accuracy) {

        /** The accuracy, or null when there is none (regression). */
        public Double accuracyOrNull() {
            return Double.isNaN(accuracy) ? null : accuracy;
        }

    }

    /**
     * @throws dev.edgetrainer.server.model.NotInferableException when the model has no
     * infer role
     */
    public static Evaluation evaluate(LoadedModel model, ModelInfo info, TrainingData data) {
        ModelInfo.Output output = info.output();
        Targets targets = info.requireTrain().targets();
        int fixed = info.fixedBatch();
        int batch = fixed > 0 ? fixed : BATCH;
        int xSize = data.xSize();
        int[] shape = info.requireInfer().input().shape();
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
                float[] values = out.values(i);
                if (output.kind() == OutputKind.REGRESSION) {
                    lossSum += squaredError(values, y);
                    continue;
                }
                float[] target = classTargets(targets, output, y);
                lossSum += crossEntropy(output, values, out.logits(i), target);
                int predicted = output.predictedClass(output.classProbabilities(values));
                correct += predicted == argmax(target) ? 1 : 0;
            }
        }
        double accuracy = output.kind() == OutputKind.REGRESSION ? Double.NaN : (double) correct / data.count();
        return new Evaluation(data.count(), lossSum / data.count(), accuracy);
    }

    /** A sample's target as a distribution over the classes. */
    private static float[] classTargets(Targets targets, ModelInfo.Output output, float[] y) {
        return switch (targets) {
            case ONE_HOT -> y;
            case CLASS_INDEX -> {
                float[] row = new float[output.classes()];
                row[Math.max(0, Math.min(row.length - 1, Math.round(y[0])))] = 1f;
                yield row;
            }
            case PROBABILITY -> new float[] { 1 - y[0], y[0] };
            case VALUES -> y;
        };
    }

    /**
     * Cross-entropy of one sample's prediction against its target distribution; from the
     * logits when there are some.
     */
    private static double crossEntropy(ModelInfo.Output output, float[] values, float[] logits, float[] target) {
        float[] fromLogits = output.kind() == OutputKind.LOGITS ? values : logits;
        if (fromLogits != null && output.kind() != OutputKind.BINARY) {
            double max = Double.NEGATIVE_INFINITY;
            for (float logit : fromLogits) {
                max = Math.max(max, logit);
            }
            double sum = 0;
            for (float logit : fromLogits) {
                sum += Math.exp(logit - max);
            }
            double logSum = max + Math.log(sum);
            double loss = 0;
            for (int c = 0; c < target.length; c++) {
                loss -= target[c] * (fromLogits[c] - logSum);
            }
            return loss;
        }
        float[] probabilities = output.classProbabilities(values);
        double loss = 0;
        for (int c = 0; c < target.length; c++) {
            double p = Math.min(1 - EPSILON, Math.max(EPSILON, probabilities[c]));
            loss -= target[c] * Math.log(p);
        }
        return loss;
    }

    private static double squaredError(float[] values, float[] y) {
        double sum = 0;
        for (int i = 0; i < values.length; i++) {
            double d = values[i] - y[i];
            sum += d * d;
        }
        return sum / values.length;
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int c = 1; c < values.length; c++) {
            if (values[c] > values[best]) {
                best = c;
            }
        }
        return best;
    }

}
