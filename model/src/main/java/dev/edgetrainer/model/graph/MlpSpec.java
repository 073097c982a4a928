package dev.edgetrainer.model.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The architecture and training settings of a trainable multilayer perceptron:
 * Flatten(input) -> Dense(h, relu)... -> Dense(classes), trained by SGD on the loss of
 * its {@link Head}: softmax cross-entropy by default. The tutorial's model is
 * {@link #fashionMnist()}.
 *
 * @param classes the width of the last layer: classes for a softmax head, 1 for a sigmoid
 * head, the values predicted for a linear head
 */
public record MlpSpec(int[] inputShape, int[] hidden, int classes, float learningRate, long seed, Head head) {

    private static final long MAX_PARAMETERS = 50_000_000L;

    /** What the last layer's values are and which loss trains them. */
    public enum Head {

        /**
         * Class probabilities ({@code output}, softmax) and {@code logits}; softmax
         * cross-entropy on one-hot targets.
         */
        SOFTMAX(2),
        /**
         * As {@link #SOFTMAX}, trained on class indices ({@code y: float32[-1]}), as
         * Keras' {@code SparseCategoricalCrossentropy(from_logits=True)}.
         */
        SPARSE_SOFTMAX(2),
        /**
         * One probability ({@code output}, sigmoid) and its {@code logits}; binary
         * cross-entropy on targets in [0, 1].
         */
        SIGMOID(1),
        /** Values ({@code output}, no activation); mean squared error. */
        LINEAR(1);

        private final int minimumWidth;

        Head(int minimumWidth) {
            this.minimumWidth = minimumWidth;
        }

    }

    public MlpSpec {
        inputShape = inputShape.clone();
        hidden = hidden.clone();
        if (head == null) {
            throw new IllegalArgumentException("a head is required");
        }
        if (inputShape.length == 0 || Arrays.stream(inputShape).anyMatch(d -> d <= 0)) {
            throw new IllegalArgumentException(
                    "input shape must have positive dimensions, got " + Arrays.toString(inputShape));
        }
        if (Arrays.stream(hidden).anyMatch(d -> d <= 0)) {
            throw new IllegalArgumentException("hidden layer sizes must be positive, got " + Arrays.toString(hidden));
        }
        if (classes < head.minimumWidth || head == Head.SIGMOID && classes != 1) {
            throw new IllegalArgumentException(head == Head.SIGMOID
                    ? "a sigmoid head has exactly 1 output, got " + classes : "classes must be at least "
                            + head.minimumWidth + " for a " + head.name().toLowerCase() + " head, got " + classes);
        }
        if (!(learningRate > 0) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be a positive number, got " + learningRate);
        }
        long parameters = 0;
        int[] widths = layerWidths(inputShape, hidden, classes);
        for (int i = 0; i + 1 < widths.length; i++) {
            parameters += (long) widths[i] * widths[i + 1] + widths[i + 1];
        }
        if (parameters > MAX_PARAMETERS) {
            throw new IllegalArgumentException(
                    "model would have " + parameters + " parameters; the limit is " + MAX_PARAMETERS);
        }
    }

    /** A softmax classifier, as the tutorial's. */
    public MlpSpec(int[] inputShape, int[] hidden, int classes, float learningRate, long seed) {
        this(inputShape, hidden, classes, learningRate, seed, Head.SOFTMAX);
    }

    /** The same network with another head. */
    public MlpSpec withHead(Head other) {
        return new MlpSpec(inputShape, hidden, classes, learningRate, seed, other);
    }

    /**
     * The tutorial's model: 28x28 images, one hidden layer of 128, 10 classes, learning
     * rate 0.01.
     */
    public static MlpSpec fashionMnist() {
        return new MlpSpec(new int[] { 28, 28 }, new int[] { 128 }, 10, 0.01f, 42);
    }

    @Override
    public int[] inputShape() {
        return inputShape.clone();
    }

    @Override
    public int[] hidden() {
        return hidden.clone();
    }

    /** Features after flattening the input. */
    public int features() {
        return Arrays.stream(inputShape).reduce(1, Math::multiplyExact);
    }

    /** Widths from the flattened input through each hidden layer to the classes. */
    public int[] widths() {
        return layerWidths(inputShape, hidden, classes);
    }

    public int layers() {
        return hidden.length + 1;
    }

    /**
     * The weights in the order of the save signature's outputs, named as Keras names
     * them.
     */
    public List<Variable> variables() {
        int[] widths = widths();
        List<Variable> variables = new ArrayList<>();
        for (int layer = 0; layer < layers(); layer++) {
            String prefix = layer == 0 ? "dense" : "dense_" + layer;
            variables.add(new Variable(prefix + "/kernel", new int[] { widths[layer], widths[layer + 1] }));
            variables.add(new Variable(prefix + "/bias", new int[] { widths[layer + 1] }));
        }
        return variables;
    }

    private static int[] layerWidths(int[] inputShape, int[] hidden, int classes) {
        int[] widths = new int[hidden.length + 2];
        widths[0] = Arrays.stream(inputShape).reduce(1, Math::multiplyExact);
        System.arraycopy(hidden, 0, widths, 1, hidden.length);
        widths[widths.length - 1] = classes;
        return widths;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MlpSpec other && Arrays.equals(inputShape, other.inputShape)
                && Arrays.equals(hidden, other.hidden) && classes == other.classes
                && Float.compare(learningRate, other.learningRate) == 0 && seed == other.seed && head == other.head;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new Object[] { Arrays.hashCode(inputShape), Arrays.hashCode(hidden), classes,
                learningRate, seed, head });
    }

    @Override
    public String toString() {
        return "MlpSpec[input=" + Arrays.toString(inputShape) + ", hidden=" + Arrays.toString(hidden) + ", classes="
                + classes + ", lr=" + learningRate + ", seed=" + seed
                + (head == Head.SOFTMAX ? "" : ", head=" + head.name().toLowerCase()) + "]";
    }

    /** A weight variable: Keras layout, kernels [in, out]. */
    public record Variable(String name, int[] shape) {

        public Variable {
            shape = shape.clone();
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        public int size() {
            return Arrays.stream(shape).reduce(1, Math::multiplyExact);
        }

        public boolean isKernel() {
            return shape.length == 2;
        }
    }
}
