package dev.edgetrainer.model.graph;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An independent plain-Java MLP in double precision (Keras layout, kernels [in, out]):
 * forward pass, mean softmax cross-entropy on logits and its gradients, written from the
 * maths, not from the graph.
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
        double loss = 0;
        double[] delta = new double[batch * classes];
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
        return loss / batch;
    }

    private static String name(int layer) {
        return layer == 0 ? "dense" : "dense_" + layer;
    }

}
