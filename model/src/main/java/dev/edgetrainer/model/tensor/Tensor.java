package dev.edgetrainer.model.tensor;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An immutable-shape tensor held in a Java array: {@code float[]} for FLOAT32,
 * {@code int[]} for INT32, {@code long[]} for INT64, {@code byte[]} for UINT8/INT8/BOOL
 * and {@code String[]} for STRING. The arrays are not copied; callers hand over
 * ownership.
 */
public final class Tensor {

    private final DataType type;

    private final int[] shape;

    private final Object data;

    private Tensor(DataType type, int[] shape, Object data, int length) {
        this.type = type;
        this.shape = shape.clone();
        this.data = data;
        long elements = elementCount(this.shape);
        if (elements != length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " holds " + elements + " elements, data has " + length);
        }
    }

    public static Tensor ofFloats(int[] shape, float[] data) {
        return new Tensor(DataType.FLOAT32, shape, data, data.length);
    }

    public static Tensor ofInts(int[] shape, int[] data) {
        return new Tensor(DataType.INT32, shape, data, data.length);
    }

    public static Tensor ofLongs(int[] shape, long[] data) {
        return new Tensor(DataType.INT64, shape, data, data.length);
    }

    public static Tensor ofBytes(DataType type, int[] shape, byte[] data) {
        if (type.byteSize() != 1) {
            throw new IllegalArgumentException(type + " is not a one-byte type");
        }
        return new Tensor(type, shape, data, data.length);
    }

    public static Tensor ofStrings(int[] shape, String[] data) {
        return new Tensor(DataType.STRING, shape, data, data.length);
    }

    /** A scalar string, e.g. the checkpoint path of a path-style {@code save}. */
    public static Tensor ofString(String value) {
        return ofStrings(new int[0], new String[] { value });
    }

    public static Tensor scalar(float value) {
        return ofFloats(new int[0], new float[] { value });
    }

    /** A tensor of zeros (empty strings for STRING) with fresh arrays. */
    public static Tensor zeros(DataType type, int[] shape) {
        int n = (int) elementCount(shape);
        return switch (type) {
            case FLOAT32 -> ofFloats(shape, new float[n]);
            case INT32 -> ofInts(shape, new int[n]);
            case INT64 -> ofLongs(shape, new long[n]);
            case UINT8, INT8, BOOL -> ofBytes(type, shape, new byte[n]);
            case STRING -> {
                String[] strings = new String[n];
                java.util.Arrays.fill(strings, "");
                yield ofStrings(shape, strings);
            }
            default -> throw new IllegalArgumentException("no Java array holds " + type);
        };
    }

    public static long elementCount(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n *= d;
        }
        return n;
    }

    public DataType type() {
        return type;
    }

    public int[] shape() {
        return shape.clone();
    }

    /** Whether this tensor has exactly this shape; no copy of the shape is made. */
    public boolean hasShape(int[] candidate) {
        return Arrays.equals(shape, candidate);
    }

    public int rank() {
        return shape.length;
    }

    public int elementCount() {
        return (int) elementCount(shape);
    }

    public float[] floats() {
        return as(DataType.FLOAT32, float[].class);
    }

    public int[] ints() {
        return as(DataType.INT32, int[].class);
    }

    public long[] longs() {
        return as(DataType.INT64, long[].class);
    }

    public byte[] bytes() {
        if (!(data instanceof byte[] b)) {
            throw new IllegalStateException("tensor is " + type + ", not a byte tensor");
        }
        return b;
    }

    public String[] strings() {
        return as(DataType.STRING, String[].class);
    }

    /** The first element as a float, for scalar outputs such as a loss. */
    public float scalarFloat() {
        return floats()[0];
    }

    /** Serialized size of the payload in bytes (strings as UTF-8). */
    public long byteSize() {
        if (data instanceof String[] strings) {
            long n = 0;
            for (String s : strings) {
                n += s.getBytes(StandardCharsets.UTF_8).length;
            }
            return n;
        }
        return (long) elementCount() * type.byteSize();
    }

    private <T> T as(DataType expected, Class<T> arrayType) {
        if (type != expected) {
            throw new IllegalStateException("tensor is " + type + ", not " + expected);
        }
        return arrayType.cast(data);
    }

    @Override
    public String toString() {
        return type.name().toLowerCase() + Arrays.toString(shape);
    }

}
