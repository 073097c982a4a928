package dev.edgetrainer.model.flex;

import java.util.List;

/**
 * One node of a Flex op. Kernels check every input (dtype, rank, sizes, string layout)
 * before touching data and report problems as {@link FlexOpException}, which the runtime
 * turns into a TFLite error.
 */
public interface FlexKernel {

    /**
     * Checks the inputs' dtypes and shapes before any data exists.
     * @return the output shapes, or {@code null} when they depend on input values and are
     * set when invoked
     */
    List<int[]> prepare(List<KernelTensor> inputs, List<KernelTensor> outputs);

    void invoke(List<KernelTensor> inputs, List<KernelTensor> outputs);

}
