package dev.edgetrainer.model.flex;

import java.util.Arrays;
import java.util.List;

import dev.edgetrainer.model.tensor.DataType;
import dev.edgetrainer.model.tensor.Tensor;

/**
 * {@code SoftmaxCrossEntropyWithLogits(features, labels) -> (loss[batch], backprop[batch, classes])}
 * with labels as distributions (broadcast against the logits, as TF does), and
 * {@code SparseSoftmaxCrossEntropyWithLogits} with labels as class indices (int32 or
 * int64, each in [0, classes)). {@code loss = logsumexp(logits) - sum(labels *
 * logits)}, {@code backprop = softmax(logits) - labels}.
 */
final class SoftmaxCrossEntropyKernel implements FlexKernel {

    private final String op;

    private final boolean sparse;

    private final DataType declaredLabels;

    /**
     * @param declaredLabels the label dtype the NodeDef's {@code Tlabels} names, or null
     */
    SoftmaxCrossEntropyKernel(String op, boolean sparse, DataType declaredLabels) {
        this.op = op;
        this.sparse = sparse;
        this.declaredLabels = declaredLabels;
    }

    @Override
    public List<int[]> prepare(List<KernelTensor> inputs, List<KernelTensor> outputs) {
        Checks.count(op, inputs, 2, "inputs");
        Checks.count(op, outputs, 2, "outputs");
        KernelTensor logits = inputs.get(0);
        KernelTensor labels = inputs.get(1);
        Checks.type(op, logits, "logits", DataType.FLOAT32);
        Checks.type(op, outputs.get(0), "loss", DataType.FLOAT32);
        Checks.type(op, outputs.get(1), "backprop", DataType.FLOAT32);
        int[] shape = sparse ? sparseShape(logits, labels) : denseShape(logits, labels);
        return List.of(new int[] { shape[0] }, shape);
    }

    private int[] sparseShape(KernelTensor logits, KernelTensor labels) {
        Checks.type(op, labels, "labels", DataType.INT32, DataType.INT64);
        if (declaredLabels != null && labels.type() != declaredLabels) {
            throw new FlexOpException(op + ": labels are " + labels.type().name().toLowerCase() + " but Tlabels is "
                    + declaredLabels.name().toLowerCase());
        }
        Checks.rank(op, logits, "logits", 2);
        Checks.rank(op, labels, "labels", 1);
        int[] shape = logits.shape();
        if (labels.shape()[0] != shape[0]) {
            throw new FlexOpException(op + ": logits and labels must have the same first dimension, got logits shape "
                    + Arrays.toString(shape) + " and labels shape " + Arrays.toString(labels.shape()));
        }
        if (shape[1] == 0 && shape[0] > 0) {
            throw new FlexOpException(
                    op + ": must have at least one class, but got logits shape " + Arrays.toString(shape));
        }
        return shape;
    }

    private int[] denseShape(KernelTensor logits, KernelTensor labels) {
        Checks.type(op, labels, "labels", DataType.FLOAT32);
        long[] shape = Broadcast.of(Broadcast.longs(logits.shape()), Broadcast.longs(labels.shape())).output();
        if (shape.length != 2) {
            throw new FlexOpException(op + ": logits and labels must be either 2-dimensional, or broadcasted to be "
                    + "2-dimensional, got " + Arrays.toString(logits.shape()) + " and "
                    + Arrays.toString(labels.shape()));
        }
        return new int[] { (int) shape[0], (int) shape[1] };
    }

    @Override
    public void invoke(List<KernelTensor> inputs, List<KernelTensor> outputs) {
        int[] shape = prepare(inputs, outputs).get(1);
        int batch = shape[0];
        int classes = shape[1];
        Tensor logitsTensor = inputs.get(0).read();
        Tensor labelsTensor = inputs.get(1).read();
        float[][] logits = rows(logitsTensor.floats(), logitsTensor.shape(), batch, classes);
        float[][] labels = sparse ? oneHot(labelsTensor, batch, classes)
                : rows(labelsTensor.floats(), labelsTensor.shape(), batch, classes);
        float[] loss = new float[batch];
        float[] backprop = new float[batch * classes];
        for (int b = 0; b < batch; b++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, logits[b][c]);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(logits[b][c] - max);
            }
            double logSum = Math.log(sum);
            double rowLoss = 0;
            for (int c = 0; c < classes; c++) {
                double shifted = logits[b][c] - max;
                rowLoss += labels[b][c] * (logSum - shifted);
                backprop[b * classes + c] = (float) (Math.exp(shifted) / sum - labels[b][c]);
            }
            loss[b] = (float) rowLoss;
        }
        outputs.get(0).write(Tensor.ofFloats(new int[] { batch }, loss));
        outputs.get(1).write(Tensor.ofFloats(new int[] { batch, classes }, backprop));
    }

    private float[][] oneHot(Tensor labels, int batch, int classes) {
        long[] values = labels.type() == DataType.INT64 ? labels.longs()
                : Arrays.stream(labels.ints()).asLongStream().toArray();
        float[][] rows = new float[batch][classes];
        for (int b = 0; b < batch; b++) {
            if (values[b] < 0 || values[b] >= classes) {
                throw new FlexOpException(op + ": received a label value of " + values[b]
                        + " which is outside the valid range of [0, " + classes + ")");
            }
            rows[b][(int) values[b]] = 1f;
        }
        return rows;
    }

    /**
     * The values laid out as [batch][classes], broadcasting a rank-1 or size-1 input over
     * the batch or classes.
     */
    private static float[][] rows(float[] values, int[] shape, int batch, int classes) {
        int rows = shape.length == 2 ? shape[0] : 1;
        int cols = shape.length == 2 ? shape[1] : shape.length == 1 ? shape[0] : 1;
        float[][] result = new float[batch][classes];
        for (int b = 0; b < batch; b++) {
            for (int c = 0; c < classes; c++) {
                result[b][c] = values[(rows == 1 ? 0 : b) * cols + (cols == 1 ? 0 : c)];
            }
        }
        return result;
    }

}
