package dev.edgetrainer.model.tensor;

import java.util.Arrays;

/**
 * One named input or output of a signature. A dynamic dimension (the batch, usually) is
 * {@code -1} in {@link #shape()}.
 */
public record TensorSpec(String name, DataType type, int[] shape) {

    public TensorSpec {
        shape = shape.clone();
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int i) {
        return shape[i];
    }

    /**
     * Whether a tensor of this shape may be fed: same rank, equal static dimensions,
     * dynamic ones positive.
     */
    public boolean accepts(int[] candidate) {
        if (candidate.length != shape.length) {
            return false;
        }
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] >= 0 ? candidate[i] != shape[i] : candidate[i] <= 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec other && name.equals(other.name) && type == other.type
                && Arrays.equals(shape, other.shape);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * name.hashCode() + type.hashCode()) + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + ": " + type.name().toLowerCase() + Arrays.toString(shape);
    }
}
