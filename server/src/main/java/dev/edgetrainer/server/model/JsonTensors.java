package dev.edgetrainer.server.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.TensorSpec;
import dev.edgetrainer.server.system.BadInputException;
import dev.edgetrainer.server.system.RequestMemory;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;

/**
 * Turns JSON nested arrays into float32 tensors for the model: rectangular, finite, and
 * shaped like one sample or a batch of the signature's input. The arrays are read as they
 * stream in, straight into a float array whose memory is reserved from the request's
 * {@link RequestMemory} as it grows (four bytes a value, where a tree of JSON nodes would
 * take ten times that). Every rejection names the element at fault, e.g.
 * {@code x[3][27]}.
 */
public final class JsonTensors {

    private static final int FIRST_CAPACITY = 1024;

    private JsonTensors() {
    }

    /**
     * Numbers of a rectangular nested array, row-major; what a request's tensor field is
     * read into.
     */
    @JsonDeserialize(using = Reader.class)
    public record Parsed(int[] shape, float[] values) {
    }

    /**
     * Shapes parsed values as a batch of samples for {@code spec}: a single sample gets a
     * batch dimension of 1. Only the sample dimensions are checked; callers split or
     * group the batch to what the model takes.
     * @param parsed null when the field was absent or null
     * @throws BadInputException naming the expected shape when neither fits
     */
    public static Tensor batch(Parsed parsed, TensorSpec spec, String field) {
        require(parsed, field);
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

    /**
     * @param parsed null when the field was absent or null
     * @throws BadInputException when it is
     */
    public static Parsed require(Parsed parsed, String field) {
        if (parsed == null) {
            throw new BadInputException(field, "'" + field + "' is required");
        }
        return parsed;
    }

    static int[] prepend(int first, int[] rest) {
        int[] shape = new int[rest.length + 1];
        shape[0] = first;
        System.arraycopy(rest, 0, shape, 1, rest.length);
        return shape;
    }

    /**
     * Reads one nested array token by token. The first array at each depth fixes that
     * dimension's length; every later one must match it, and numbers must all sit at the
     * same depth.
     */
    static final class Reader extends ValueDeserializer<Parsed> {

        @Override
        public Parsed deserialize(JsonParser parser, DeserializationContext context) {
            String field = (parser.currentName() != null) ? parser.currentName() : "body";
            return new FieldReader(field).read(parser);
        }

    }

    /** The state of one field being read. */
    private static final class FieldReader {

        private final String field;

        private final RequestMemory memory = RequestMemory.current();

        /** Length of each dimension; -1 until its first array ends. */
        private final List<Integer> dims = new ArrayList<>();

        /** Elements seen so far in the open array of each depth. */
        private final List<Integer> counts = new ArrayList<>();

        /** Depth of the numbers; -1 until the first number. */
        private int leafDepth = -1;

        private float[] values = new float[0];

        private int size;

        FieldReader(String field) {
            this.field = field;
        }

        Parsed read(JsonParser parser) {
            JsonToken token = parser.currentToken();
            if (token != JsonToken.START_ARRAY) {
                value(parser, token);
                return new Parsed(new int[0], trimmed());
            }
            do {
                switch (token) {
                    case START_ARRAY -> open();
                    case END_ARRAY -> close();
                    default -> value(parser, token);
                }
                if (counts.isEmpty()) {
                    return new Parsed(dims.stream().mapToInt(Integer::intValue).toArray(), trimmed());
                }
                token = parser.nextToken();
            }
            while (token != null);
            throw new BadInputException(field, "'" + field + "' ends before its arrays close");
        }

        private void open() {
            int depth = counts.size();
            element();
            String here = path();
            if (depth == leafDepth) {
                throw new BadInputException(here, here + " must be a number, got an array");
            }
            counts.add(0);
            if (dims.size() == depth) {
                dims.add(-1);
            }
        }

        private void close() {
            int depth = counts.size() - 1;
            int length = counts.remove(depth);
            String here = path();
            if (length == 0) {
                throw new BadInputException(here, here + " is an empty array; a batch needs samples");
            }
            if (dims.get(depth) < 0) {
                dims.set(depth, length);
            }
            else if (dims.get(depth) != length) {
                throw notRectangular(here);
            }
        }

        private void value(JsonParser parser, JsonToken token) {
            int depth = counts.size();
            element();
            String here = path();
            if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
                throw new BadInputException(here, here + " must be a number, got " + describe(token));
            }
            if (leafDepth < 0) {
                if (depth < dims.size()) {
                    throw notRectangular(here);
                }
                leafDepth = depth;
            }
            else if (depth != leafDepth) {
                throw notRectangular(here);
            }
            double value = parser.getDoubleValue();
            if (!Float.isFinite((float) value)) {
                throw new BadInputException(here, here + " is not a finite float32 value: " + parser.getText());
            }
            if (size == values.length) {
                grow();
            }
            values[size++] = (float) value;
        }

        /** Counts one more element in the open array, checking it against the first. */
        private void element() {
            int depth = counts.size() - 1;
            if (depth < 0) {
                return;
            }
            int count = counts.get(depth) + 1;
            counts.set(depth, count);
            if (dims.get(depth) >= 0 && count > dims.get(depth)) {
                throw notRectangular(path());
            }
        }

        private void grow() {
            long old = values.length;
            int capacity = (values.length == 0) ? FIRST_CAPACITY : values.length * 2;
            memory.reserve((long) capacity * Float.BYTES, field, "reading the values of '" + field + "'");
            values = Arrays.copyOf(values, capacity);
            memory.release(old * Float.BYTES);
        }

        private float[] trimmed() {
            if (size == values.length) {
                return values;
            }
            memory.reserve((long) size * Float.BYTES, field, "reading the values of '" + field + "'");
            float[] exact = Arrays.copyOf(values, size);
            memory.release((long) values.length * Float.BYTES);
            return exact;
        }

        /** The element last counted, e.g. {@code x[1][2]}. */
        private String path() {
            StringBuilder path = new StringBuilder(field);
            for (int count : counts) {
                path.append('[').append(count - 1).append(']');
            }
            return path.toString();
        }

        private BadInputException notRectangular(String here) {
            return new BadInputException(here,
                    here + " does not have the shape of its siblings (the array is not " + "rectangular: " + field
                            + " has dimensions " + dims.stream().map(d -> d < 0 ? "?" : d.toString()).toList() + ")");
        }

        private static String describe(JsonToken token) {
            return switch (token) {
                case VALUE_STRING -> "a string";
                case VALUE_NULL -> "null";
                case VALUE_TRUE, VALUE_FALSE -> "a boolean";
                case START_OBJECT -> "an object";
                default -> token.toString();
            };
        }

    }

}
