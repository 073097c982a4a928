package dev.edgetrainer.server.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.TensorSpec;
import dev.edgetrainer.server.system.BadInputException;
import tools.jackson.databind.JsonNode;

/**
 * Turns JSON nested arrays into float32 tensors for the model: rectangular, finite, and
 * shaped like one sample or a batch of the signature's input. Every rejection names the
 * element at fault, e.g. {@code x[3][27]}.
 */
public final class JsonTensors {

    private JsonTensors() {
    }

    /** Numbers of a rectangular nested array, row-major. */
    public record Parsed(int[] shape, float[] values) {
    }

    /**
     * @throws BadInputException when {@code node} is missing, ragged, not numeric, not
     * finite, or over {@code maxElements} values
     */
    public static Parsed parse(JsonNode node, String field, long maxElements) {
        if (node == null || node.isNull()) {
            throw new BadInputException(field, "'" + field + "' is required");
        }
        List<Integer> dims = new ArrayList<>();
        long elements = 1;
        for (JsonNode n = node; n.isArray(); n = n.get(0)) {
            if (n.size() == 0) {
                throw new BadInputException(field, "'" + field + "' has an empty dimension; a batch needs samples");
            }
            dims.add(n.size());
            elements *= n.size();
            if (elements > maxElements) {
                throw new BadInputException(field, "'" + field + "' has more than " + maxElements + " values");
            }
        }
        int[] shape = dims.stream().mapToInt(Integer::intValue).toArray();
        float[] values = new float[(int) elements];
        fill(node, field, shape, 0, values, new int[] { 0 });
        return new Parsed(shape, values);
    }

    private static void fill(JsonNode node, String path, int[] shape, int depth, float[] out, int[] next) {
        if (depth == shape.length) {
            if (!node.isNumber()) {
                throw new BadInputException(path, path + " must be a number, got " + node.getNodeType());
            }
            double value = node.doubleValue();
            if (!Float.isFinite((float) value)) {
                throw new BadInputException(path, path + " is not a finite float32 value: " + node);
            }
            out[next[0]++] = (float) value;
            return;
        }
        if (!node.isArray() || node.size() != shape[depth]) {
            throw new BadInputException(path, path + " must be an array of " + shape[depth]
                    + " elements like its siblings (the array is not rectangular)");
        }
        for (int i = 0; i < shape[depth]; i++) {
            fill(node.get(i), path + "[" + i + "]", shape, depth + 1, out, next);
        }
    }

    /**
     * Shapes parsed values as a batch of samples for {@code spec}: a single sample gets a
     * batch dimension of 1. Only the sample dimensions are checked; callers split or
     * group the batch to what the model takes.
     * @throws BadInputException naming the expected shape when neither fits
     */
    public static Tensor batch(Parsed parsed, TensorSpec spec, String field) {
        int[] expected = spec.shape();
        int[] shape = parsed.shape().length == expected.length - 1 ? prepend(1, parsed.shape()) : parsed.shape();
        int[] sample = Arrays.copyOfRange(expected, 1, expected.length);
        if (shape.length != expected.length
                || !new TensorSpec(field, spec.type(), sample).accepts(Arrays.copyOfRange(shape, 1, shape.length))) {
            throw new BadInputException(field,
                    "'" + field + "' has shape " + Arrays.toString(parsed.shape()) + "; the model takes one sample of "
                            + Arrays.toString(sample) + " or a batch of [n, " + Arrays.toString(sample).substring(1));
        }
        return Tensor.ofFloats(shape, parsed.values());
    }

    static int[] prepend(int first, int[] rest) {
        int[] shape = new int[rest.length + 1];
        shape[0] = first;
        System.arraycopy(rest, 0, shape, 1, rest.length);
        return shape;
    }

}
