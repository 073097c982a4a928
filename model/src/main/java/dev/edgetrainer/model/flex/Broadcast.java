package dev.edgetrainer.model.flex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * NumPy/TensorFlow broadcasting of two shapes, with the reduction indices their gradients
 * need.
 */
record Broadcast(long[] output, List<Long> reduceFirst, List<Long> reduceSecond) {

    /**
     * Broadcasts as TensorFlow's {@code BCast} without its fewer-dims optimisation (as
     * {@code BroadcastGradientArgs} uses it): a dimension where both shapes are 1 is
     * reduced for both.
     * @throws FlexOpException if the shapes are incompatible
     */
    static Broadcast of(long[] first, long[] second) {
        int rank = Math.max(first.length, second.length);
        long[] output = new long[rank];
        List<Long> reduceFirst = new ArrayList<>();
        List<Long> reduceSecond = new ArrayList<>();
        for (int i = 0; i < rank; i++) {
            long a = dim(first, rank, i);
            long b = dim(second, rank, i);
            if (a < 0 || b < 0) {
                throw new FlexOpException(
                        "negative dimension in " + Arrays.toString(first) + " or " + Arrays.toString(second));
            }
            if (a != b && a != 1 && b != 1) {
                throw new FlexOpException(
                        "Incompatible shapes: " + Arrays.toString(first) + " vs. " + Arrays.toString(second));
            }
            output[i] = a == 1 ? b : a;
            if (a == 1) {
                reduceFirst.add((long) i);
            }
            if (b == 1) {
                reduceSecond.add((long) i);
            }
        }
        return new Broadcast(output, List.copyOf(reduceFirst), List.copyOf(reduceSecond));
    }

    /** Dimension {@code i} of the right-aligned, 1-padded shape. */
    private static long dim(long[] shape, int rank, int i) {
        int offset = rank - shape.length;
        return i < offset ? 1 : shape[i - offset];
    }

    static long[] longs(int[] shape) {
        return Arrays.stream(shape).asLongStream().toArray();
    }
}
