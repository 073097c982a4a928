package dev.edgetrainer.model.flex;

import java.util.List;

import dev.edgetrainer.model.tensor.DataType;
import dev.edgetrainer.model.tensor.Tensor;

/**
 * The gradient ops of elementwise activations, two same-shaped float inputs to one
 * output: {@code ReluGrad(gradients, features) = gradients * (features > 0)},
 * {@code SigmoidGrad(y, dy) = dy * y * (1 - y)} and
 * {@code TanhGrad(y, dy) = dy * (1 - y * y)}.
 */
final class ElementwiseGradKernel implements FlexKernel {

    /** (first input, second input) -> output element. */
    interface Rule {

        float apply(float first, float second);

    }

    static final Rule RELU = (gradient, feature) -> feature > 0 ? gradient : 0f;
    static final Rule SIGMOID = (y, dy) -> dy * y * (1 - y);
    static final Rule TANH = (y, dy) -> dy * (1 - y * y);

    private final String op;

    private final String[] inputNames;

    private final Rule rule;

    ElementwiseGradKernel(String op, String first, String second, Rule rule) {
        this.op = op;
        this.inputNames = new String[] { first, second };
        this.rule = rule;
    }

    @Override
    public List<int[]> prepare(List<KernelTensor> inputs, List<KernelTensor> outputs) {
        Checks.count(op, inputs, 2, "inputs");
        Checks.count(op, outputs, 1, "outputs");
        Checks.type(op, inputs.get(0), inputNames[0], DataType.FLOAT32);
        Checks.type(op, inputs.get(1), inputNames[1], DataType.FLOAT32);
        Checks.type(op, outputs.get(0), "output", DataType.FLOAT32);
        Checks.sameShape(op, inputs.get(0), inputNames[0], inputs.get(1), inputNames[1]);
        return List.of(inputs.get(0).shape());
    }

    @Override
    public void invoke(List<KernelTensor> inputs, List<KernelTensor> outputs) {
        prepare(inputs, outputs);
        Tensor first = inputs.get(0).read();
        float[] a = first.floats();
        float[] b = inputs.get(1).read().floats();
        float[] result = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            result[i] = rule.apply(a[i], b[i]);
        }
        outputs.get(0).write(Tensor.ofFloats(first.shape(), result));
    }

}
