package dev.edgetrainer.model.flex;

import dev.edgetrainer.model.tensor.DataType;
import dev.edgetrainer.model.tensor.Tensor;

/**
 * A node's input or output as a kernel sees it; the runtime backs it with the
 * interpreter's tensor.
 */
public interface KernelTensor {

    DataType type();

    int[] shape();

    /**
     * The shape the model declares for this tensor, {@code -1} where unknown; empty if it
     * declares none.
     */
    int[] declaredShape();

    /** A copy of the tensor's contents; only while invoking. */
    Tensor read();

    /**
     * Resizes the output to the value's shape if needed and copies the value in; the
     * dtype must match.
     */
    void write(Tensor value);

}
