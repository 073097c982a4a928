package dev.edgetrainer.server.federated;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.edgetrainer.model.tensor.DataType;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.server.system.BadInputException;

/**
 * NumPy's {@code .npy} format for float32 arrays, as {@code np.save(allow_pickle=False)}
 * writes it and Flower sends it: the magic {@code \x93NUMPY}, a version, a little-endian
 * header length, a Python dict literal {@code {'descr': '<f4', 'fortran_order': False,
 * 'shape': (784, 128), }} padded with spaces to a newline that ends at a multiple of 64
 * bytes, then the values, little-endian. Encoding is byte for byte what NumPy writes;
 * decoding takes versions 1 to 3 and refuses anything but C-ordered little-endian float32
 * whose data is exactly as long as its shape says.
 */
final class Npy {

    private static final byte[] MAGIC = { (byte) 0x93, 'N', 'U', 'M', 'P', 'Y' };

    private static final int ALIGN = 64;

    private static final int GROWTH_DIGITS = 21;

    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");

    private static final Pattern ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");

    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    static byte[] encode(Tensor tensor) {
        if (tensor.type() != DataType.FLOAT32) {
            throw new IllegalArgumentException("only float32 weights travel as .npy here, got " + tensor);
        }
        int[] shape = tensor.shape();
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + tuple(shape) + ", }";
        // NumPy leaves room for the first axis to grow to 21 digits, then pads to the
        // alignment (by 1 to 64 spaces) before the newline.
        if (shape.length > 0) {
            dict += " ".repeat(GROWTH_DIGITS - Integer.toString(shape[0]).length());
        }
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        String header = dict + " ".repeat(ALIGN - unpadded % ALIGN) + "\n";
        float[] values = tensor.floats();
        ByteBuffer out = ByteBuffer.allocate(MAGIC.length + 4 + header.length() + values.length * 4)
            .order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        out.put(header.getBytes(StandardCharsets.US_ASCII));
        out.asFloatBuffer().put(values);
        return out.array();
    }

    /** A Python tuple as repr() writes it: (), (3,), (784, 128). */
    private static String tuple(int[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        StringBuilder text = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            text.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return text.append(')').toString();
    }

    /**
     * @param field names the tensor in errors, e.g. {@code parameters.tensors[2]}
     * @throws BadInputException when the bytes are not a C-ordered little-endian float32
     * array whose data fits its shape
     */
    static Tensor decode(byte[] bytes, String field) {
        if (bytes.length < MAGIC.length + 4 || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
            throw new BadInputException(field, field + " is not a .npy array (no \\x93NUMPY magic)");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        in.position(MAGIC.length);
        int major = in.get();
        in.get();
        long headerLength;
        if (major == 1) {
            headerLength = Short.toUnsignedInt(in.getShort());
        }
        else if (major == 2 || major == 3) {
            if (in.remaining() < 4) {
                throw new BadInputException(field, field + " ends inside its .npy preamble");
            }
            headerLength = Integer.toUnsignedLong(in.getInt());
        }
        else {
            throw new BadInputException(field, field + " is .npy version " + major + "; versions 1 to 3 are read");
        }
        if (headerLength > in.remaining()) {
            throw new BadInputException(field, field + " ends inside its .npy header");
        }
        String header = new String(bytes, in.position(), (int) headerLength,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1)
            .trim();
        in.position(in.position() + (int) headerLength);
        String descr = group(DESCR, header, field, "descr");
        if (!descr.equals("<f4")) {
            throw new BadInputException(field, field + " has dtype '" + descr + "'; weights travel as float32 ('<f4')");
        }
        if (!group(ORDER, header, field, "fortran_order").equals("False")) {
            throw new BadInputException(field, field + " is in Fortran order; send C order (NumPy's default)");
        }
        if (!header.startsWith("{") || !header.endsWith("}")) {
            throw new BadInputException(field, field + " has a .npy header that is not a dict: " + header);
        }
        int[] shape = shape(group(SHAPE, header, field, "shape"), field);
        long count = 1;
        for (int d : shape) {
            count *= d;
            if (count > Integer.MAX_VALUE / 4) {
                throw new BadInputException(field,
                        field + " declares shape " + Arrays.toString(shape) + ", more values than an array can hold");
            }
        }
        if (in.remaining() != count * 4) {
            throw new BadInputException(field, field + " declares shape " + Arrays.toString(shape) + " (" + count * 4
                    + " bytes of data) but carries " + in.remaining());
        }
        float[] values = new float[(int) count];
        in.asFloatBuffer().get(values);
        return Tensor.ofFloats(shape, values);
    }

    private static String group(Pattern pattern, String header, String field, String key) {
        Matcher matcher = pattern.matcher(header);
        if (!matcher.find()) {
            throw new BadInputException(field, field + " has no valid '" + key + "' in its .npy header: " + header);
        }
        return matcher.group(1);
    }

    private static int[] shape(String tuple, String field) {
        String inner = tuple.trim();
        if (inner.isEmpty()) {
            return new int[0];
        }
        String[] parts = inner.endsWith(",") ? inner.substring(0, inner.length() - 1).split(",") : inner.split(",");
        int[] shape = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                shape[i] = Integer.parseInt(parts[i].trim().replaceFirst("L$", ""));
            }
            catch (NumberFormatException e) {
                shape[i] = -1;
            }
            if (shape[i] < 0) {
                throw new BadInputException(field, field + " has shape (" + tuple + "), not non-negative integers");
            }
        }
        return shape;
    }

}
