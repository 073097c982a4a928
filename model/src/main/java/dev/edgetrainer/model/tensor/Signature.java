package dev.edgetrainer.model.tensor;

import java.util.List;
import java.util.Optional;

/**
 * A signature of a model: its key and its named inputs and outputs, in the order TFLite
 * lists them (by name).
 */
public record Signature(String key, List<TensorSpec> inputs, List<TensorSpec> outputs) {

    public Signature {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    public Optional<TensorSpec> input(String name) {
        return inputs.stream().filter(spec -> spec.name().equals(name)).findFirst();
    }

    public Optional<TensorSpec> output(String name) {
        return outputs.stream().filter(spec -> spec.name().equals(name)).findFirst();
    }

    @Override
    public String toString() {
        return key + "(" + String.join(", ", inputs.stream().map(TensorSpec::toString).toList()) + ") -> ("
                + String.join(", ", outputs.stream().map(TensorSpec::toString).toList()) + ")";
    }
}
