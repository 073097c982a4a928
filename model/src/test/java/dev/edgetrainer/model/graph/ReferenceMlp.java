package dev.edgetrainer.model.graph;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An independent plain-Java MLP in double precision (Keras layout, kernels [in, out]):
 * forward pass, the loss of each head (softmax or binary cross-entropy on logits, mean
 * squared error) and its gradients, written from the maths, not from the graph.
 */
final class ReferenceMlp {

    private final MlpSpec spec;

    ReferenceMlp(MlpSpec spec) {
        this.spec = spec;
    }

    double loss(Map<String, float[]> weights, float[] x, float[] y, int batch) {
        return pass(weights, x, y, batch, null);
    }

    /** Gradients of the loss with respect to each weight, by name. */
    Map<String, double[]> gradients(Map<String, float[]> weights, float[] x, float[] y, int batch) {
        Map<String, double[]> gradients = new LinkedHashMap<>();
        pass(weights, x, y, batch, gradients);
        return gradients;
    }

    /** Weights after one SGD step. */
    Map<String, double[]> step(Map<String, float[]> weights, float[] x, float[] y, int batch) {
        Map<String, double[]> gradients = gradients(weights, x, y, batch);
        Map<String, double[]> updated = new LinkedHashMap<>();
        weights.forEach((name, values) -> {
            double[] next = new double[values.length];
            for (int i = 0; i < next.length; i++) {
                next[i] = values[i] - spec.learningRate() * gradients.get(name)[i];
            }
            updated.put(name, next);
        });
        return updated;
    }

    private double pass(Map<String, float[]> weights, float[] x, float[] y, int batch, Map<String, double[]> grads) {
        int[] widths = spec.widths();
        int layers = spec.layers();
        double[][] activations = new double[layers + 1][];
        double[][] pre = new double[layers][];
        activations[0] = new double[batch * widths[0]];
        for (int i = 0; i < activations[0].length; i++) {
            activations[0][i] = x[i];
        }
        for (int l = 0; l < layers; l++) {
            int in = widths[l];
            int out = widths[l + 1];
            float[] kernel = weights.get(name(l) + "/kernel");
            float[] bias = weights.get(name(l) + "/bias");
            pre[l] = new double[batch * out];
            activations[l + 1] = new double[batch * out];
            for (int b = 0; b < batch; b++) {
                for (int o = 0; o < out; o++) {
                    double sum = bias[o];
                    for (int i = 0; i < in; i++) {
                        sum += activations[l][b * in + i] * kernel[i * out + o];
                    }
                    pre[l][b * out + o] = sum;
                    activations[l + 1][b * out + o] = l + 1 < layers ? Math.max(0, sum) : sum;
                }
            }
        }
        int classes = spec.classes();
        double[] logits = pre[layers - 1];
        double[] delta = new double[batch * classes];
        double loss = switch (spec.head()) {
            case SOFTMAX -> softmaxCrossEntropy(logits, y, batch, delta);
            case SPARSE_SOFTMAX -> softmaxCrossEntropy(logits, oneHot(y, classes), batch, delta);
            case SIGMOID -> binaryCrossEntropy(logits, y, batch, delta);
            case LINEAR -> squaredError(logits, y, batch, delta);
        };
        if (grads != null) {
            for (int l = layers - 1; l >= 0; l--) {
                int in = widths[l];
                int out = widths[l + 1];
                double[] kernelGrad = new double[in * out];
                double[] biasGrad = new double[out];
                for (int b = 0; b < batch; b++) {
                    for (int o = 0; o < out; o++) {
                        biasGrad[o] += delta[b * out + o];
                        for (int i = 0; i < in; i++) {
                            kernelGrad[i * out + o] += activations[l][b * in + i] * delta[b * out + o];
                        }
                    }
                }
                grads.put(name(l) + "/kernel", kernelGrad);
                grads.put(name(l) + "/bias", biasGrad);
                if (l > 0) {
                    float[] kernel = weights.get(name(l) + "/kernel");
                    double[] previous = new double[batch * in];
                    for (int b = 0; b < batch; b++) {
                        for (int i = 0; i < in; i++) {
                            double sum = 0;
                            for (int o = 0; o < out; o++) {
                                sum += delta[b * out + o] * kernel[i * out + o];
                            }
                            previous[b * in + i] = pre[l - 1][b * in + i] > 0 ? sum : 0;
                        }
                    }
                    delta = previous;
                }
            }
        }
        return loss;
    }

    /** Class indices as one-hot rows. */
    private static float[] oneHot(float[] indices, int classes) {
        float[] rows = new float[indices.length * classes];
        for (int i = 0; i < indices.length; i++) {
            rows[i * classes + (int) indices[i]] = 1;
        }
        return rows;
    }

    /** Mean softmax cross-entropy; fills d loss / d logits. */
    private double softmaxCrossEntropy(double[] logits, float[] y, int batch, double[] delta) {
        int classes = spec.classes();
        double loss = 0;
        for (int b = 0; b < batch; b++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, logits[b * classes + c]);
            }
            double norm = 0;
            for (int c = 0; c < classes; c++) {
                norm += Math.exp(logits[b * classes + c] - max);
            }
            double logNorm = Math.log(norm) + max;
            double mass = 0;
            for (int c = 0; c < classes; c++) {
                mass += y[b * classes + c];
                loss -= y[b * classes + c] * (logits[b * classes + c] - logNorm);
            }
            for (int c = 0; c < classes; c++) {
                double p = Math.exp(logits[b * classes + c] - logNorm);
                delta[b * classes + c] = (p * mass - y[b * classes + c]) / batch;
            }
        }
        return loss / batch;
    }

    /**
     * Mean binary cross-entropy of one logit per sample: -y log p - (1 - y) log(1 - p).
     */
    private static double binaryCrossEntropy(double[] logits, float[] y, int batch, double[] delta) {
        double loss = 0;
        for (int b = 0; b < batch; b++) {
            double p = 1 / (1 + Math.exp(-logits[b]));
            loss -= y[b] * Math.log(p) + (1 - y[b]) * Math.log(1 - p);
            delta[b] = (p - y[b]) / batch;
        }
        return loss / batch;
    }

    /** Mean over samples and outputs of the squared error. */
    private double squaredError(double[] outputs, float[] y, int batch, double[] delta) {
        int width = spec.classes();
        double loss = 0;
        for (int i = 0; i < outputs.length; i++) {
            double difference = outputs[i] - y[i];
            loss += difference * difference;
            delta[i] = 2 * difference / (width * batch);
        }
        return loss / (width * batch);
    }

    private static String name(int layer) {
        return layer == 0 ? "dense" : "dense_" + layer;
    }

}
