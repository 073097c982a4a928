package dev.edgetrainer.model.pretrain;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.edgetrainer.model.data.Dataset;
import dev.edgetrainer.model.graph.PretrainingHistory;
import dev.edgetrainer.model.runtime.TrainableModel;
import dev.edgetrainer.model.tensor.Signature;
import dev.edgetrainer.model.tensor.Tensor;

/**
 * Trains a model through its own {@code train} signature as the TFLite on-device training
 * tutorial does: the data in its stored order (no shuffle), fixed-size batches with the
 * remainder as a last smaller batch, and the loss of each epoch's last batch recorded.
 * The recorded losses travel with the model file written from the result, as its
 * {@link PretrainingHistory}.
 */
public final class Pretrainer {

    /** Called after every step. */
    public interface Progress {

        void step(int epoch, int epochs, int step, int steps, double loss);

    }

    private Pretrainer() {
    }

    /** Trains for {@code epochs}; returns the last batch's loss of each epoch. */
    public static List<Double> train(TrainableModel model, Dataset data, int classes, int epochs, int batch,
            Progress progress) {
        if (epochs < 1 || batch < 1) {
            throw new IllegalArgumentException("epochs and batch size must be positive");
        }
        if (epochs > PretrainingHistory.MAX_EPOCHS) {
            // Refused before hours of training: the written model could not carry the
            // history.
            throw new IllegalArgumentException("at most " + PretrainingHistory.MAX_EPOCHS + " epochs, got " + epochs);
        }
        int[] imageShape = inputShape(model.signature("train")
            .orElseThrow(() -> new IllegalArgumentException("model " + model.source() + " has no train signature")),
                data);
        int steps = (data.size() + batch - 1) / batch;
        List<Double> losses = new ArrayList<>(epochs);
        for (int epoch = 1; epoch <= epochs; epoch++) {
            double loss = Double.NaN;
            for (int step = 0; step < steps; step++) {
                int from = step * batch;
                int to = Math.min(data.size(), from + batch);
                Map<String, Tensor> inputs = Map.of("x",
                        Tensor.ofFloats(batchShape(imageShape, to - from), data.images().toFloats(from, to)), "y",
                        Tensor.ofFloats(new int[] { to - from, classes }, data.oneHot(from, to, classes)));
                loss = model.run("train", inputs).get("loss").scalarFloat();
                progress.step(epoch, epochs, step + 1, steps, loss);
            }
            losses.add(loss);
        }
        return losses;
    }

    /** Fraction of samples whose highest {@code infer} logit is their label. */
    public static double accuracy(TrainableModel model, Dataset data, int batch) {
        Signature infer = model.signature("infer")
            .orElseThrow(() -> new IllegalArgumentException("model " + model.source() + " has no infer signature"));
        String input = infer.inputs().get(0).name();
        String output = infer.output("logits").isPresent() ? "logits" : infer.outputs().get(0).name();
        int[] imageShape = inputShape(infer, data);
        int correct = 0;
        for (int from = 0; from < data.size(); from += batch) {
            int to = Math.min(data.size(), from + batch);
            Tensor scores = model
                .run("infer",
                        Map.of(input,
                                Tensor.ofFloats(batchShape(imageShape, to - from), data.images().toFloats(from, to))))
                .get(output);
            int classes = scores.shape()[1];
            float[] values = scores.floats();
            for (int i = 0; i < to - from; i++) {
                int best = 0;
                for (int c = 1; c < classes; c++) {
                    if (values[i * classes + c] > values[i * classes + best]) {
                        best = c;
                    }
                }
                if (best == data.labels()[from + i]) {
                    correct++;
                }
            }
        }
        return (double) correct / data.size();
    }

    /**
     * The per-sample input shape, checked against the images: [rows, cols] or flattened
     * [rows * cols].
     */
    private static int[] inputShape(Signature signature, Dataset data) {
        int[] shape = signature.inputs()
            .stream()
            .filter(s -> s.name().equals("x"))
            .findFirst()
            .orElse(signature.inputs().get(0))
            .shape();
        int[] sample = java.util.Arrays.copyOfRange(shape, 1, shape.length);
        int rows = data.images().rows();
        int cols = data.images().cols();
        boolean fits = sample.length == 2 && sample[0] == rows && sample[1] == cols
                || sample.length == 1 && sample[0] == rows * cols;
        if (!fits) {
            throw new IllegalArgumentException("model input " + java.util.Arrays.toString(shape) + " does not take "
                    + rows + "x" + cols + " images");
        }
        return sample;
    }

    private static int[] batchShape(int[] sample, int batch) {
        int[] shape = new int[sample.length + 1];
        shape[0] = batch;
        System.arraycopy(sample, 0, shape, 1, sample.length);
        return shape;
    }

}
