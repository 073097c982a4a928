package dev.edgetrainer.model.tensor;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.edgetrainer.model.io.Sha256;

/**
 * The file format of checkpoints: named float32, int32 or int64 tensors with a SHA-256 of
 * everything before it. Both tensor-style checkpoints and the Java
 * {@code FlexSave}/{@code FlexSaveV2} kernels write it.
 *
 * <pre>
 * "ETWEIGHT" (8 bytes) | version u32 = 1 | count u32
 * count x { name_length u16 | name UTF-8 | dtype u8 (TfLiteType: 1 float32, 2 int32, 4 int64) | rank u8
 *           | dims u32[rank] | data (little-endian) }
 * sha256 (32 bytes) of all preceding bytes
 * </pre>
 *
 * Header integers are big-endian; tensor data is little-endian, as TFLite holds it.
 */
public final class WeightsFile {

    private static final byte[] MAGIC = "ETWEIGHT".getBytes(StandardCharsets.US_ASCII);

    private static final int VERSION = 1;

    private static final int DIGEST_BYTES = 32;

    private static final int MAX_RANK = 8;

    private WeightsFile() {
    }

    public static byte[] encode(Map<String, Tensor> weights) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(weights.size());
            for (Map.Entry<String, Tensor> entry : weights.entrySet()) {
                byte[] name = entry.getKey().getBytes(StandardCharsets.UTF_8);
                Tensor tensor = entry.getValue();
                out.writeShort(name.length);
                out.write(name);
                out.writeByte(code(tensor.type()));
                out.writeByte(tensor.rank());
                for (int d : tensor.shape()) {
                    out.writeInt(d);
                }
                ByteBuffer data = ByteBuffer.allocate(tensor.elementCount() * tensor.type().byteSize())
                    .order(ByteOrder.LITTLE_ENDIAN);
                switch (tensor.type()) {
                    case FLOAT32 -> data.asFloatBuffer().put(tensor.floats());
                    case INT32 -> data.asIntBuffer().put(tensor.ints());
                    default -> data.asLongBuffer().put(tensor.longs());
                }
                out.write(data.array());
            }
            out.write(Sha256.digest(bytes.toByteArray(), bytes.size()));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * The size of the file {@link #encode} writes for tensors of these specs; a dynamic
     * dimension counts as 1. Lets a store tell how much space a checkpoint needs before
     * the model writes it.
     */
    public static long size(List<TensorSpec> specs) {
        long size = MAGIC.length + 4 + 4 + DIGEST_BYTES;
        for (TensorSpec spec : specs) {
            long elements = 1;
            for (int d : spec.shape()) {
                elements *= Math.max(d, 1);
            }
            size += 2 + spec.name().getBytes(StandardCharsets.UTF_8).length + 1 + 1 + 4L * spec.rank()
                    + elements * spec.type().byteSize();
        }
        return size;
    }

    /**
     * Decodes and verifies a weights file.
     * @throws CorruptCheckpointException if the checksum does not match or the structure
     * is broken
     */
    public static Map<String, Tensor> decode(byte[] file) {
        if (file.length < MAGIC.length + 8 + DIGEST_BYTES || !Arrays.equals(Arrays.copyOf(file, MAGIC.length), MAGIC)) {
            throw new CorruptCheckpointException("not an EdgeTrainer weights file");
        }
        int payload = file.length - DIGEST_BYTES;
        if (!MessageDigest.isEqual(Sha256.digest(file, payload), Arrays.copyOfRange(file, payload, file.length))) {
            throw new CorruptCheckpointException("checksum mismatch: the file is corrupt or truncated");
        }
        ByteBuffer in = ByteBuffer.wrap(file, 0, payload);
        in.position(MAGIC.length);
        try {
            int version = in.getInt();
            if (version != VERSION) {
                throw new CorruptCheckpointException("unsupported weights file version " + version);
            }
            int count = in.getInt();
            Map<String, Tensor> weights = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                byte[] name = new byte[Short.toUnsignedInt(in.getShort())];
                in.get(name);
                DataType type = type(in.get());
                int rank = Byte.toUnsignedInt(in.get());
                if (rank > MAX_RANK) {
                    throw new CorruptCheckpointException("tensor rank " + rank + " is too large");
                }
                int[] shape = new int[rank];
                long elements = 1;
                for (int d = 0; d < rank; d++) {
                    shape[d] = in.getInt();
                    if (shape[d] < 0) {
                        throw new CorruptCheckpointException("negative dimension");
                    }
                    elements *= shape[d];
                }
                long bytes = elements * type.byteSize();
                if (bytes > in.remaining()) {
                    throw new CorruptCheckpointException("tensor data is truncated");
                }
                ByteBuffer data = in.slice(in.position(), (int) bytes).order(ByteOrder.LITTLE_ENDIAN);
                in.position(in.position() + (int) bytes);
                String key = new String(name, StandardCharsets.UTF_8);
                weights.put(key, switch (type) {
                    case FLOAT32 -> {
                        float[] values = new float[(int) elements];
                        data.asFloatBuffer().get(values);
                        yield Tensor.ofFloats(shape, values);
                    }
                    case INT32 -> {
                        int[] values = new int[(int) elements];
                        data.asIntBuffer().get(values);
                        yield Tensor.ofInts(shape, values);
                    }
                    default -> {
                        long[] values = new long[(int) elements];
                        data.asLongBuffer().get(values);
                        yield Tensor.ofLongs(shape, values);
                    }
                });
            }
            if (in.hasRemaining()) {
                throw new CorruptCheckpointException("unexpected bytes after the last tensor");
            }
            return weights;
        }
        catch (java.nio.BufferUnderflowException e) {
            throw new CorruptCheckpointException("file is truncated");
        }
    }

    private static int code(DataType type) {
        return switch (type) {
            case FLOAT32 -> 1;
            case INT32 -> 2;
            case INT64 -> 4;
            default -> throw new IllegalArgumentException("tensors of type " + type + " cannot be saved");
        };
    }

    private static DataType type(byte code) {
        return switch (code) {
            case 1 -> DataType.FLOAT32;
            case 2 -> DataType.INT32;
            case 4 -> DataType.INT64;
            default -> throw new CorruptCheckpointException("unknown tensor type " + code);
        };
    }

}
