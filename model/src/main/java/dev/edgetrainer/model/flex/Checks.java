package dev.edgetrainer.model.flex;

import java.util.Arrays;
import java.util.List;

import dev.edgetrainer.model.tensor.DataType;

/** Argument checks shared by the kernels, with TensorFlow-like messages. */
final class Checks {

    private Checks() {
    }

    static void count(String op, List<KernelTensor> tensors, int expected, String what) {
        if (tensors.size() != expected) {
            throw new FlexOpException(op + " expects " + expected + " " + what + ", got " + tensors.size());
        }
    }

    static void type(String op, KernelTensor tensor, String name, DataType... allowed) {
        for (DataType type : allowed) {
            if (tensor.type() == type) {
                return;
            }
        }
        throw new FlexOpException(
                op + ": " + name + " must be " + names(allowed) + ", got " + tensor.type().name().toLowerCase());
    }

    static void rank(String op, KernelTensor tensor, String name, int rank) {
        if (tensor.shape().length != rank) {
            throw new FlexOpException(
                    op + ": " + name + " must be rank " + rank + ", got shape " + Arrays.toString(tensor.shape()));
        }
    }

    static void sameShape(String op, KernelTensor a, String aName, KernelTensor b, String bName) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new FlexOpException(op + ": " + aName + " and " + bName + " must have the same shape, got "
                    + Arrays.toString(a.shape()) + " and " + Arrays.toString(b.shape()));
        }
    }

    private static String names(DataType... types) {
        return String.join(" or ", Arrays.stream(types).map(t -> t.name().toLowerCase()).toList());
    }

}
