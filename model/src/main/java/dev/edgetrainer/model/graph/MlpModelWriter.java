package dev.edgetrainer.model.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.tensorflow.lite.schema.TensorType;

/**
 * Writes a trainable MLP as a {@code .tflite} file with builtin ops only, laid out as the
 * TensorFlow converter lays out trainable models: weights are resource variables
 * ({@code VAR_HANDLE} by shared name), given initial values by an init subgraph that each
 * signature runs through {@code CALL_ONCE}.
 *
 * <ul>
 * <li>{@code train(x: float32[-1, ...input], y: float32[-1, classes]) -> loss}: one SGD
 * step on the mean softmax cross-entropy of the logits, as Keras'
 * {@code CategoricalCrossentropy(from_logits=True)};</li>
 * <li>{@code infer(x) -> output (softmax), logits};</li>
 * <li>{@code save() -> every weight by name};
 * {@code restore(every weight) -> the weights as now held}.</li>
 * </ul>
 * Each {@link Role} is written under a signature key of the caller's choosing (e.g. the
 * save role as {@code parameters}, as Flower's models name it), or left out.
 *
 * <p>
 * Gradients are written out by hand (there is no autodiff here), so they are proven by
 * tests against an independent Java implementation and finite differences. The output is
 * deterministic: same spec and weights, same bytes. Every written model passes
 * {@link ModelValidator}.
 */
public final class MlpModelWriter {

    /** What a signature does; its key in the file is chosen per model. */
    public enum Role {

        /** One SGD step: {@code (x, y) -> loss}. */
        TRAIN("train"),
        /** {@code x -> output (softmax), logits}. */
        INFER("infer"),
        /** {@code () -> every weight by name}. */
        SAVE("save"),
        /** {@code (every weight) -> the weights as now held}. */
        RESTORE("restore");

        private final String defaultKey;

        Role(String defaultKey) {
            this.defaultKey = defaultKey;
        }

        /** The key the TFLite tutorial gives this signature. */
        public String defaultKey() {
            return defaultKey;
        }

    }

    private MlpModelWriter() {
    }

    /** Every role under the tutorial's key: train, infer, save, restore. */
    public static Map<Role, String> defaultSignatures() {
        Map<Role, String> keys = new EnumMap<>(Role.class);
        for (Role role : Role.values()) {
            keys.put(role, role.defaultKey());
        }
        return keys;
    }

    /** A model with Glorot-uniform kernels and zero biases drawn from the spec's seed. */
    public static byte[] write(MlpSpec spec) {
        return write(spec, initialWeights(spec));
    }

    /**
     * A model whose variables start from the given weights (e.g. pretrained ones), by
     * variable name.
     */
    public static byte[] write(MlpSpec spec, Map<String, float[]> weights) {
        return write(spec, weights, defaultSignatures());
    }

    /**
     * A model with only the roles in {@code signatures}, each under its key there, e.g.
     * {@code SAVE -> "parameters"}.
     * @throws IllegalArgumentException when no role is given, or a key is empty or used
     * twice
     */
    public static byte[] write(MlpSpec spec, Map<String, float[]> weights, Map<Role, String> signatures) {
        checkKeys(signatures);
        for (MlpSpec.Variable variable : spec.variables()) {
            float[] values = weights.get(variable.name());
            if (values == null || values.length != variable.size()) {
                throw new IllegalArgumentException("weights for '" + variable.name() + "' must have " + variable.size()
                        + " values, got " + (values == null ? "none" : values.length));
            }
            for (float v : values) {
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException("weights for '" + variable.name() + "' are not finite");
                }
            }
        }
        if (weights.size() != spec.variables().size()) {
            throw new IllegalArgumentException("expected weights " + names(spec) + ", got " + weights.keySet());
        }
        GraphBuilder builder = new GraphBuilder();
        // Subgraph order: signatures first (in role order), then the init subgraph they
        // call once.
        Map<Role, GraphBuilder.Subgraph> graphs = new EnumMap<>(Role.class);
        for (Role role : Role.values()) {
            if (signatures.containsKey(role)) {
                graphs.put(role, builder.subgraph(signatures.get(role)));
            }
        }
        GraphBuilder.Subgraph init = builder.subgraph("init");
        writeInit(init, spec, weights);
        graphs.forEach((role, graph) -> {
            String key = signatures.get(role);
            switch (role) {
                case TRAIN -> writeTrain(graph, spec, init.index(), key);
                case INFER -> writeInfer(graph, spec, init.index(), key);
                case SAVE -> writeSave(graph, spec, init.index(), key);
                case RESTORE -> writeRestore(graph, spec, init.index(), key);
            }
        });
        byte[] model = builder.build();
        ModelValidator.validate(model);
        return model;
    }

    private static void checkKeys(Map<Role, String> signatures) {
        if (signatures.isEmpty()) {
            throw new IllegalArgumentException("a model needs at least one signature");
        }
        if (signatures.values().stream().anyMatch(key -> key == null || key.isBlank())) {
            throw new IllegalArgumentException("signature keys must not be empty, got " + signatures);
        }
        if (new HashSet<>(signatures.values()).size() != signatures.size()) {
            throw new IllegalArgumentException("each signature needs its own key, got " + signatures);
        }
    }

    /**
     * Glorot-uniform kernels (limit sqrt(6 / (fan_in + fan_out))) and zero biases, as
     * Keras' Dense defaults.
     */
    public static Map<String, float[]> initialWeights(MlpSpec spec) {
        Random random = new Random(spec.seed());
        Map<String, float[]> weights = new LinkedHashMap<>();
        for (MlpSpec.Variable variable : spec.variables()) {
            float[] values = new float[variable.size()];
            if (variable.isKernel()) {
                int[] shape = variable.shape();
                double limit = Math.sqrt(6.0 / (shape[0] + shape[1]));
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) ((random.nextDouble() * 2 - 1) * limit);
                }
            }
            weights.put(variable.name(), values);
        }
        return weights;
    }

    private static List<String> names(MlpSpec spec) {
        return spec.variables().stream().map(MlpSpec.Variable::name).toList();
    }

    private static void writeInit(GraphBuilder.Subgraph init, MlpSpec spec, Map<String, float[]> weights) {
        for (MlpSpec.Variable variable : spec.variables()) {
            int handle = init.varHandle(variable.name());
            int value = init.constant(variable.name() + "/initial", weights.get(variable.name()), variable.shape());
            init.assignVariable(handle, value);
        }
        init.finish(null);
    }

    /** Reads every variable; returns [handle, value] per variable in spec order. */
    private static int[][] readAll(GraphBuilder.Subgraph graph, MlpSpec spec) {
        List<MlpSpec.Variable> variables = spec.variables();
        int[][] read = new int[variables.size()][];
        for (int i = 0; i < read.length; i++) {
            MlpSpec.Variable variable = variables.get(i);
            int handle = graph.varHandle(variable.name());
            read[i] = new int[] { handle, graph.readVariable(handle, variable.name() + "/read", variable.shape()) };
        }
        return read;
    }

    /**
     * Forward pass; returns the layer inputs (flattened x, then each hidden activation),
     * pre-activations, logits.
     */
    private record Forward(int[] layerInputs, int[] preActivations, int logits) {
    }

    private static Forward forward(GraphBuilder.Subgraph graph, MlpSpec spec, int x, int[][] variables) {
        int[] widths = spec.widths();
        int layers = spec.layers();
        int[] layerInputs = new int[layers];
        int[] preActivations = new int[layers];
        layerInputs[0] = graph.reshape("flatten", x, -1, widths[0]);
        for (int layer = 0; layer < layers; layer++) {
            int kernel = variables[2 * layer][1];
            int bias = variables[2 * layer + 1][1];
            int transposed = graph.transpose("layer" + layer + "/kernel_t", kernel, widths[layer + 1], widths[layer]);
            preActivations[layer] = graph.fullyConnected("layer" + layer + "/pre", layerInputs[layer], transposed, bias,
                    -1, widths[layer + 1]);
            if (layer + 1 < layers) {
                layerInputs[layer + 1] = graph.relu("layer" + layer + "/relu", preActivations[layer], -1,
                        widths[layer + 1]);
            }
        }
        return new Forward(layerInputs, preActivations, preActivations[layers - 1]);
    }

    private static int[] batchShape(MlpSpec spec) {
        int[] input = spec.inputShape();
        int[] shape = new int[input.length + 1];
        shape[0] = -1;
        System.arraycopy(input, 0, shape, 1, input.length);
        return shape;
    }

    private static void writeTrain(GraphBuilder.Subgraph graph, MlpSpec spec, int init, String key) {
        int classes = spec.classes();
        int[] xShape = batchShape(spec);
        int x = graph.floats("x", xShape);
        int y = graph.floats("y", -1, classes);
        graph.input("x", x);
        graph.input("y", y);
        graph.callOnce(init);
        int[][] variables = readAll(graph, spec);
        Forward forward = forward(graph, spec, x, variables);

        // loss = mean over the batch of -sum(y * log_softmax(logits))
        int logProbabilities = graph.logSoftmax("log_softmax", forward.logits(), -1, classes);
        int weighted = graph.mul("y_log_p", y, logProbabilities, -1, classes);
        int perSample = graph.sum("per_sample", weighted, 1, false, -1);
        int meanLogLikelihood = graph.mean("mean_log_likelihood", perSample, 0);
        int loss = graph.neg("loss", meanLogLikelihood);
        graph.output("loss", loss);

        // d loss / d logits = (softmax * sum(y) - y) / batch; sum(y) is 1 for one-hot
        // labels.
        int probabilities = graph.softmax("softmax", forward.logits(), -1, classes);
        int labelMass = graph.sum("label_mass", y, 1, true, -1, 1);
        int scaled = graph.mul("p_times_mass", probabilities, labelMass, -1, classes);
        int difference = graph.sub("p_minus_y", scaled, y, -1, classes);
        int batch = graph.dimension("batch_size", x, xShape.length, 0);
        int gradient = graph.div("d_logits", difference, batch, -1, classes);

        int[] widths = spec.widths();
        int learningRate = graph.constant("learning_rate", new float[] { spec.learningRate() });
        int zero = graph.constant("zero", new float[] { 0f });
        List<int[]> updates = new ArrayList<>();
        for (int layer = spec.layers() - 1; layer >= 0; layer--) {
            int[] kernel = variables[2 * layer];
            int[] bias = variables[2 * layer + 1];
            int in = widths[layer];
            int out = widths[layer + 1];
            String name = "layer" + layer;
            // d kernel [in, out] = layer_input^T @ d_pre, as
            // FULLY_CONNECTED(layer_input^T, d_pre^T).
            int inputT = graph.transpose(name + "/input_t", forward.layerInputs()[layer], in, -1);
            int gradientT = graph.transpose(name + "/d_pre_t", gradient, out, -1);
            int kernelGradient = graph.fullyConnected(name + "/d_kernel", inputT, gradientT, -1, in, out);
            int biasGradient = graph.sum(name + "/d_bias", gradient, 0, false, out);
            updates.add(new int[] { kernel[0], kernel[1], kernelGradient, in, out });
            updates.add(new int[] { bias[0], bias[1], biasGradient, out });
            if (layer > 0) {
                // d input [batch, in] = d_pre @ kernel^T: the [in, out] kernel is already
                // FULLY_CONNECTED's layout.
                int inputGradient = graph.fullyConnected(name + "/d_input", gradient, kernel[1], -1, -1, in);
                int active = graph.greater(name + "/active", forward.preActivations()[layer - 1], zero, -1, in);
                int mask = graph.cast(name + "/mask", active, TensorType.BOOL, TensorType.FLOAT32, -1, in);
                gradient = graph.mul("layer" + (layer - 1) + "/d_pre", inputGradient, mask, -1, in);
            }
        }
        // Every gradient is computed from the old weights before any weight is assigned.
        for (int[] update : updates) {
            int[] shape = Arrays.copyOfRange(update, 3, update.length);
            String name = graph.tensorName(update[1]);
            int step = graph.mul(name + "/step", update[2], learningRate, shape);
            int updated = graph.sub(name + "/updated", update[1], step, shape);
            graph.assignVariable(update[0], updated);
        }
        graph.finish(key);
    }

    private static void writeInfer(GraphBuilder.Subgraph graph, MlpSpec spec, int init, String key) {
        int x = graph.floats("x", batchShape(spec));
        graph.input("x", x);
        graph.callOnce(init);
        Forward forward = forward(graph, spec, x, readAll(graph, spec));
        int output = graph.softmax("output", forward.logits(), -1, spec.classes());
        graph.output("output", output);
        graph.output("logits", forward.logits());
        graph.finish(key);
    }

    private static void writeSave(GraphBuilder.Subgraph graph, MlpSpec spec, int init, String key) {
        graph.callOnce(init);
        int[][] variables = readAll(graph, spec);
        for (int i = 0; i < variables.length; i++) {
            graph.output(spec.variables().get(i).name(), variables[i][1]);
        }
        graph.finish(key);
    }

    private static void writeRestore(GraphBuilder.Subgraph graph, MlpSpec spec, int init, String key) {
        List<MlpSpec.Variable> variables = spec.variables();
        int[] inputs = new int[variables.size()];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = graph.floats(variables.get(i).name(), variables.get(i).shape());
            graph.input(variables.get(i).name(), inputs[i]);
        }
        graph.callOnce(init);
        for (int i = 0; i < inputs.length; i++) {
            MlpSpec.Variable variable = variables.get(i);
            int handle = graph.varHandle(variable.name());
            graph.assignVariable(handle, inputs[i]);
            graph.output(variable.name(), graph.readVariable(handle, variable.name() + "/restored", variable.shape()));
        }
        graph.finish(key);
    }

}
