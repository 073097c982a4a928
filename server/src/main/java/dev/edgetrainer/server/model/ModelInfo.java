package dev.edgetrainer.server.model;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import dev.edgetrainer.model.tensor.DataType;
import dev.edgetrainer.model.tensor.Signature;
import dev.edgetrainer.model.tensor.TensorSpec;

/**
 * What the hosted model accepts and returns, read once on the interpreter thread when it
 * loads, so request threads can check inputs without touching the interpreter.
 *
 * @param train null when the model has no usable {@code train} signature
 * @param weights the weights a checkpoint of this model holds; empty when it has none
 * @param missingOps per signature that cannot run here, the custom ops this runtime does
 * not provide
 */
public record ModelInfo(String source, String sha256, long bytes, List<Signature> signatures,
        CheckpointStyle checkpointStyle, List<TensorSpec> weights, Infer infer, Train train, List<String> classNames,
        Map<String, Set<String>> missingOps) {

    public ModelInfo {
        signatures = List.copyOf(signatures);
        weights = List.copyOf(weights);
        classNames = List.copyOf(classNames);
        missingOps = Collections.unmodifiableMap(new TreeMap<>(missingOps));
    }

    /**
     * @param output the probabilities (or the only output)
     * @param logits null when the model does not return them
     */
    public record Infer(String signature, TensorSpec input, String output, String logits) {
    }

    public record Train(String signature, TensorSpec x, TensorSpec y, String loss) {
    }

    public Optional<Train> trainSpec() {
        return Optional.ofNullable(train);
    }

    /**
     * @throws NotTrainableException when the model has no {@code train(x, y)} signature
     * this server can drive
     */
    public Train requireTrain() {
        return trainSpec()
            .orElseThrow(() -> new NotTrainableException(signatures.stream().map(Signature::key).toList()));
    }

    /** Dimensions of one sample, i.e. the infer input without its batch dimension. */
    public int[] sampleShape() {
        int[] shape = infer.input().shape();
        return Arrays.copyOfRange(shape, 1, shape.length);
    }

    /** The batch size the model insists on, or -1 when it takes any. */
    public int fixedBatch() {
        return infer.input().dim(0);
    }

    /**
     * Derives the roles of a model's signatures.
     * @throws IllegalArgumentException when the model cannot be hosted: the message says
     * why
     */
    static ModelInfo of(ModelSource source, String sha256, List<Signature> signatures, CheckpointStyle style,
            List<TensorSpec> weights, List<String> classNames, Map<String, Set<String>> missingOps) {
        Signature infer = signatures.stream()
            .filter(s -> s.key().equals("infer"))
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException(source.name() + " has no 'infer' signature; it has "
                    + signatures.stream().map(Signature::key).toList()));
        if (infer.inputs().size() != 1 || infer.inputs().get(0).type() != DataType.FLOAT32
                || infer.inputs().get(0).rank() < 2 || infer.outputs().isEmpty()) {
            throw new IllegalArgumentException("the 'infer' signature of " + source.name()
                    + " must take one float32 batch and return outputs: " + infer);
        }
        TensorSpec output = infer.output("output").orElse(infer.outputs().get(0));
        String logits = infer.output("logits").map(TensorSpec::name).orElse(null);
        int classes = output.dim(output.rank() - 1);
        if (output.type() != DataType.FLOAT32 || output.rank() != 2 || classes != classNames.size()) {
            throw new IllegalArgumentException("the model's infer output '" + output.name() + "' is " + output
                    + " but edge.model.class-names has " + classNames.size() + " names: set one name per output value");
        }
        TensorSpec input = infer.inputs().get(0);
        Infer inferSpec = new Infer(infer.key(), input, output.name(), logits);
        return new ModelInfo(source.name(), sha256, source.bytes().length, signatures, style, weights, inferSpec,
                train(signatures, input), classNames, missingOps);
    }

    private static Train train(List<Signature> signatures, TensorSpec input) {
        Optional<Signature> found = signatures.stream().filter(s -> s.key().equals("train")).findFirst();
        if (found.isEmpty() || found.get().inputs().size() != 2 || found.get().outputs().isEmpty()) {
            return null;
        }
        Signature train = found.get();
        // Converters name them x and y; otherwise x is the input shaped like infer's.
        TensorSpec x = train.input("x")
            .orElseGet(() -> train.inputs()
                .stream()
                .filter(s -> Arrays.equals(s.shape(), input.shape()))
                .findFirst()
                .orElse(train.inputs().get(0)));
        TensorSpec y = train.inputs().stream().filter(s -> !s.name().equals(x.name())).findFirst().orElseThrow();
        if (x.type() != DataType.FLOAT32 || y.type() != DataType.FLOAT32 || y.rank() != 2) {
            return null;
        }
        String loss = train.output("loss").orElse(train.outputs().get(0)).name();
        return new Train(train.key(), x, y, loss);
    }
}
