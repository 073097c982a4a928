package dev.edgetrainer.model.flex;

import java.util.List;

import dev.edgetrainer.model.tensor.DataType;
import dev.edgetrainer.model.tensor.Tensor;

/**
 * {@code BroadcastGradientArgs(s0, s1) -> (r0, r1)}: for two shapes that broadcast
 * together, the axes along which each side's gradient must be summed. int32 or int64,
 * rank-1 shapes in and out.
 */
final class BroadcastGradientArgsKernel implements FlexKernel {

    private static final String OP = "BroadcastGradientArgs";

    @Override
    public List<int[]> prepare(List<KernelTensor> inputs, List<KernelTensor> outputs) {
        Checks.count(OP, inputs, 2, "inputs");
        Checks.count(OP, outputs, 2, "outputs");
        DataType type = inputs.get(0).type();
        for (KernelTensor tensor : List.of(inputs.get(0), inputs.get(1), outputs.get(0), outputs.get(1))) {
            Checks.type(OP, tensor, "every tensor", DataType.INT32, DataType.INT64);
            if (tensor.type() != type) {
                throw new FlexOpException(OP + ": inputs and outputs must share one dtype");
            }
        }
        Checks.rank(OP, inputs.get(0), "s0", 1);
        Checks.rank(OP, inputs.get(1), "s1", 1);
        return null; // output sizes depend on the shapes' values
    }

    @Override
    public void invoke(List<KernelTensor> inputs, List<KernelTensor> outputs) {
        prepare(inputs, outputs);
        Broadcast broadcast = Broadcast.of(values(inputs.get(0).read()), values(inputs.get(1).read()));
        boolean int64 = inputs.get(0).type() == DataType.INT64;
        outputs.get(0).write(tensor(broadcast.reduceFirst(), int64));
        outputs.get(1).write(tensor(broadcast.reduceSecond(), int64));
    }

    private static long[] values(Tensor shape) {
        return shape.type() == DataType.INT64 ? shape.longs()
                : java.util.Arrays.stream(shape.ints()).asLongStream().toArray();
    }

    private static Tensor tensor(List<Long> axes, boolean int64) {
        int[] shape = { axes.size() };
        return int64 ? Tensor.ofLongs(shape, axes.stream().mapToLong(Long::longValue).toArray())
                : Tensor.ofInts(shape, axes.stream().mapToInt(Long::intValue).toArray());
    }

}
