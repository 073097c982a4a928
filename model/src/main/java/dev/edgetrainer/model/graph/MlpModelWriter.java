package dev.edgetrainer.model.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import dev.edgetrainer.model.graph.MlpSpec.Head;
import org.tensorflow.lite.schema.TensorType;

/**
 * Writes a trainable MLP as a {@code .tflite} file with builtin ops only, laid out as the
 * TensorFlow converter lays out trainable models: weights are resource variables
 * ({@code VAR_HANDLE} by shared name), given initial values by an init subgraph that each
 * signature runs through {@code CALL_ONCE}.
 *
 * <ul>
 * <li>{@code train(x: float32[-1, ...input], y: float32[-1, classes]) -> loss}: one SGD
 * step on the mean loss of the spec's {@link Head}: softmax cross-entropy of the logits,
 * as Keras' {@code CategoricalCrossentropy(from_logits=True)} (or on class indices
 * {@code y: float32[-1]}, as {@code SparseCategoricalCrossentropy}); binary cross-entropy
 * of one logit ({@code BinaryCrossentropy(from_logits=True)}); or the mean squared error
 * of linear outputs ({@code MeanSquaredError});</li>
 * <li>{@code infer(x) -> output (softmax or sigmoid), logits}, or {@code output} alone
 * for a linear head;</li>
 * <li>{@code save() -> every weight by name};
 * {@code restore(every weight) -> the weights as now held}; or, with
 * {@link Checkpoints#path}, {@code save(checkpoint_path)} and
 * {@code restore(checkpoint_path) -> the weights as now held} through the Flex ops
 * {@code Save} and {@code Restore}, as the converter writes the tutorial's model.</li>
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

    /** How the save and restore signatures hand the weights over. */
    public static final class Checkpoints {

        private final int[] pathShape;

        private Checkpoints(int[] pathShape) {
            this.pathShape = pathShape;
        }

        /** {@code save() -> every weight}, {@code restore(every weight)}: no Flex ops. */
        public static Checkpoints tensors() {
            return new Checkpoints(null);
        }

        /**
         * {@code save(checkpoint_path)} and {@code restore(checkpoint_path)} with a
         * string path of this shape: {@code []}, {@code [1]} or {@code [-1]} (one path).
         */
        public static Checkpoints path(int... shape) {
            if (shape.length > 1 || shape.length == 1 && shape[0] != 1 && shape[0] != -1) {
                throw new IllegalArgumentException(
                        "a checkpoint path is one string: shape [], [1] or [-1], got " + Arrays.toString(shape));
            }
            return new Checkpoints(shape.clone());
        }

    }

    /** TensorFlow's DT_FLOAT, for the NodeDefs of Flex ops. */
    private static final int TF_FLOAT = 1;

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
     * A model whose variables start from pretrained weights and which carries how they
     * were trained (see {@link PretrainingHistory}).
     */
    public static byte[] write(MlpSpec spec, Map<String, float[]> weights, PretrainingHistory history) {
        return write(spec, weights, defaultSignatures(), Checkpoints.tensors(), history);
    }

    /**
     * A model with only the roles in {@code signatures}, each under its key there, e.g.
     * {@code SAVE -> "parameters"}.
     * @throws IllegalArgumentException when no role is given, or a key is empty or used
     * twice
     */
    public static byte[] write(MlpSpec spec, Map<String, float[]> weights, Map<Role, String> signatures) {
        return write(spec, weights, signatures, Checkpoints.tensors());
    }

    /**
     * As {@link #write(MlpSpec, Map, Map)}, with the save and restore roles in the given
     * style.
     */
    public static byte[] write(MlpSpec spec, Map<String, float[]> weights, Map<Role, String> signatures,
            Checkpoints checkpoints) {
        return write(spec, weights, signatures, checkpoints, null);
    }

    /**
     * @param history null to write none
     */
    private static byte[] write(MlpSpec spec, Map<String, float[]> weights, Map<Role, String> signatures,
            Checkpoints checkpoints, PretrainingHistory history) {
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
                case SAVE -> {
                    if (checkpoints.pathShape == null) {
                        writeSave(graph, spec, init.index(), key);
                    }
                    else {
                        writePathSave(graph, spec, init.index(), key, checkpoints.pathShape);
                    }
                }
                case RESTORE -> {
                    if (checkpoints.pathShape == null) {
                        writeRestore(graph, spec, init.index(), key);
                    }
                    else {
                        writePathRestore(graph, spec, init.index(), key, checkpoints.pathShape);
                    }
                }
            }
        });
        if (history != null) {
            builder.metadata(PretrainingHistory.METADATA_NAME, history.toJson());
        }
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
        boolean sparse = spec.head() == Head.SPARSE_SOFTMAX;
        int y = sparse ? graph.floats("y", -1) : graph.floats("y", -1, classes);
        graph.input("x", x);
        graph.input("y", y);
        graph.callOnce(init);
        int[][] variables = readAll(graph, spec);
        Forward forward = forward(graph, spec, x, variables);

        int gradient = switch (spec.head()) {
            case SOFTMAX -> softmaxLoss(graph, forward.logits(), y, x, xShape.length, classes);
            case SPARSE_SOFTMAX -> softmaxLoss(
                    graph, forward.logits(), graph.oneHot("y_one_hot",
                            graph.cast("y_indices", y, TensorType.FLOAT32, TensorType.INT32, -1), classes, -1, classes),
                    x, xShape.length, classes);
            case SIGMOID -> sigmoidLoss(graph, forward.logits(), y, x, xShape.length);
            case LINEAR -> squaredErrorLoss(graph, forward.logits(), y, x, xShape.length, classes);
        };

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

    /**
     * Outputs {@code loss}, the mean over the batch of -sum(y * log_softmax(logits));
     * returns d loss / d logits.
     */
    private static int softmaxLoss(GraphBuilder.Subgraph graph, int logits, int y, int x, int rank, int classes) {
        // loss = mean over the batch of -sum(y * log_softmax(logits))
        int logProbabilities = graph.logSoftmax("log_softmax", logits, -1, classes);
        int weighted = graph.mul("y_log_p", y, logProbabilities, -1, classes);
        int perSample = graph.sum("per_sample", weighted, 1, false, -1);
        int meanLogLikelihood = graph.mean("mean_log_likelihood", perSample, 0);
        int loss = graph.neg("loss", meanLogLikelihood);
        graph.output("loss", loss);

        // d loss / d logits = (softmax * sum(y) - y) / batch; sum(y) is 1 for one-hot
        // labels.
        int probabilities = graph.softmax("softmax", logits, -1, classes);
        int labelMass = graph.sum("label_mass", y, 1, true, -1, 1);
        int scaled = graph.mul("p_times_mass", probabilities, labelMass, -1, classes);
        int difference = graph.sub("p_minus_y", scaled, y, -1, classes);
        int batch = graph.dimension("batch_size", x, rank, 0);
        return graph.div("d_logits", difference, batch, -1, classes);
    }

    /**
     * Outputs {@code loss}, the mean binary cross-entropy of one logit z with target y,
     * written stably as max(z, 0) - z * y + log(1 + exp(-|z|)); returns d loss / d z =
     * (sigmoid(z) - y) / batch.
     */
    private static int sigmoidLoss(GraphBuilder.Subgraph graph, int logits, int y, int x, int rank) {
        int zero = graph.constant("bce/zero", new float[] { 0f });
        int one = graph.constant("bce/one", new float[] { 1f });
        int positive = graph.maximum("bce/positive_part", logits, zero, -1, 1);
        int logitsTimesY = graph.mul("bce/logits_y", logits, y, -1, 1);
        int negativeAbs = graph.neg("bce/negative_abs", graph.abs("bce/abs", logits, -1, 1), -1, 1);
        int softplus = graph.log("bce/log1p_exp",
                graph.add("bce/one_plus_exp", graph.exp("bce/exp", negativeAbs, -1, 1), one, -1, 1), -1, 1);
        int perOutput = graph.add("bce/per_output", graph.sub("bce/linear", positive, logitsTimesY, -1, 1), softplus,
                -1, 1);
        int perSample = graph.sum("per_sample", perOutput, 1, false, -1);
        int loss = graph.mean("loss", perSample, 0);
        graph.output("loss", loss);
        int probability = graph.logistic("sigmoid", logits, -1, 1);
        int difference = graph.sub("p_minus_y", probability, y, -1, 1);
        int batch = graph.dimension("batch_size", x, rank, 0);
        return graph.div("d_logits", difference, batch, -1, 1);
    }

    /**
     * Outputs {@code loss}, the mean over the batch of the mean over the outputs of (z -
     * y)^2; returns d loss / d z = 2 (z - y) / (outputs * batch).
     */
    private static int squaredErrorLoss(GraphBuilder.Subgraph graph, int outputs, int y, int x, int rank, int width) {
        int difference = graph.sub("z_minus_y", outputs, y, -1, width);
        int squared = graph.mul("squared_error", difference, difference, -1, width);
        int perSample = graph.mean("per_sample", squared, 1, -1);
        int loss = graph.mean("loss", perSample, 0);
        graph.output("loss", loss);
        int scale = graph.constant("mse/scale", new float[] { 2f / width });
        int scaled = graph.mul("mse/scaled", difference, scale, -1, width);
        int batch = graph.dimension("batch_size", x, rank, 0);
        return graph.div("d_logits", scaled, batch, -1, width);
    }

    private static void writeInfer(GraphBuilder.Subgraph graph, MlpSpec spec, int init, String key) {
        int x = graph.floats("x", batchShape(spec));
        graph.input("x", x);
        graph.callOnce(init);
        Forward forward = forward(graph, spec, x, readAll(graph, spec));
        switch (spec.head()) {
            case SOFTMAX, SPARSE_SOFTMAX -> {
                graph.output("output", graph.softmax("output", forward.logits(), -1, spec.classes()));
                graph.output("logits", forward.logits());
            }
            case SIGMOID -> {
                graph.output("output", graph.logistic("output", forward.logits(), -1, 1));
                graph.output("logits", forward.logits());
            }
            case LINEAR -> graph.output("output", forward.logits());
        }
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
            assignAndOutput(graph, variables.get(i), inputs[i]);
        }
        graph.finish(key);
    }

    /** Assigns {@code value} to the variable and outputs the variable as now held. */
    private static void assignAndOutput(GraphBuilder.Subgraph graph, MlpSpec.Variable variable, int value) {
        int handle = graph.varHandle(variable.name());
        graph.assignVariable(handle, value);
        graph.output(variable.name(), graph.readVariable(handle, variable.name() + "/restored", variable.shape()));
    }

    /**
     * The {@code checkpoint_path} input of a path-style signature, then its CALL_ONCE.
     */
    private static int pathInput(GraphBuilder.Subgraph graph, int init, int[] pathShape) {
        int path = graph.tensor("checkpoint_path", TensorType.STRING, pathShape, 0);
        graph.input("checkpoint_path", path);
        graph.callOnce(init);
        return path;
    }

    /** {@code save(checkpoint_path)}: FlexSave of every weight to the path. */
    private static void writePathSave(GraphBuilder.Subgraph graph, MlpSpec spec, int init, String key,
            int[] pathShape) {
        int path = pathInput(graph, init, pathShape);
        int[][] variables = readAll(graph, spec);
        List<MlpSpec.Variable> specs = spec.variables();
        String[] names = specs.stream().map(MlpSpec.Variable::name).toArray(String[]::new);
        int[] inputs = new int[2 + variables.length];
        inputs[0] = path;
        inputs[1] = graph.constantStrings("tensor_names", names, names.length);
        int[] types = new int[variables.length];
        for (int i = 0; i < variables.length; i++) {
            inputs[2 + i] = variables[i][1];
            types[i] = TF_FLOAT;
        }
        graph.custom("FlexSave", FlexOpOptions.of("Save", Map.of("T", types)), inputs);
        graph.finish(key);
    }

    /**
     * {@code restore(checkpoint_path) -> the weights as now held}: FlexRestore of each
     * weight from the path, assigned to its variable.
     */
    private static void writePathRestore(GraphBuilder.Subgraph graph, MlpSpec spec, int init, String key,
            int[] pathShape) {
        int path = pathInput(graph, init, pathShape);
        for (MlpSpec.Variable variable : spec.variables()) {
            String name = variable.name();
            int tensorName = graph.constantStrings(name + "/tensor_name", new String[] { name });
            int value = graph.floats(name + "/from_file", variable.shape());
            graph.custom("FlexRestore", FlexOpOptions.of("Restore", Map.of("dt", TF_FLOAT)),
                    new int[] { path, tensorName }, value);
            assignAndOutput(graph, variable, value);
        }
        graph.finish(key);
    }

}
