package dev.edgetrainer.model.graph;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import com.google.flatbuffers.FlexBuffersBuilder;

/**
 * The custom options of a Flex op as the converter writes them: a FlexBuffer vector of
 * the TF op name and its serialized {@code NodeDef}.
 */
public final class FlexOpOptions {

    private FlexOpOptions() {
    }

    /** The options of a {@code Flex<op>} node with these attributes. */
    public static byte[] of(String op, Map<String, Object> attrs) {
        return customOptions(op, nodeDef(op, attrs));
    }

    /** FlexBuffer vector [op, NodeDef]. */
    public static byte[] customOptions(String op, byte[] nodeDef) {
        FlexBuffersBuilder builder = new FlexBuffersBuilder();
        int start = builder.startVector();
        builder.putString(op);
        builder.putBlob(nodeDef);
        builder.endVector(null, start, false, false);
        ByteBuffer buffer = builder.finish();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    /**
     * A NodeDef in protobuf wire format. Attribute values: {@code Integer} a dtype (TF
     * enum, DT_FLOAT = 1), {@code int[]} a dtype list, {@code Long} an int.
     */
    public static byte[] nodeDef(String op, Map<String, Object> attrs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        bytesField(out, 1, ("node_" + op).getBytes(StandardCharsets.UTF_8));
        bytesField(out, 2, op.getBytes(StandardCharsets.UTF_8));
        attrs.forEach((key, value) -> {
            ByteArrayOutputStream attr = new ByteArrayOutputStream();
            if (value instanceof Integer type) {
                varintField(attr, 6, type);
            }
            else if (value instanceof Long i) {
                varintField(attr, 3, i);
            }
            else if (value instanceof int[] types) {
                ByteArrayOutputStream packed = new ByteArrayOutputStream();
                for (int t : types) {
                    varint(packed, t);
                }
                ByteArrayOutputStream list = new ByteArrayOutputStream();
                bytesField(list, 6, packed.toByteArray());
                bytesField(attr, 1, list.toByteArray());
            }
            else {
                throw new IllegalArgumentException("attribute " + key + " has an unsupported value type");
            }
            ByteArrayOutputStream entry = new ByteArrayOutputStream();
            bytesField(entry, 1, key.getBytes(StandardCharsets.UTF_8));
            bytesField(entry, 2, attr.toByteArray());
            bytesField(out, 5, entry.toByteArray());
        });
        return out.toByteArray();
    }

    private static void bytesField(ByteArrayOutputStream out, int field, byte[] bytes) {
        varint(out, (field << 3) | 2);
        varint(out, bytes.length);
        out.writeBytes(bytes);
    }

    private static void varintField(ByteArrayOutputStream out, int field, long value) {
        varint(out, field << 3);
        varint(out, value);
    }

    private static void varint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7fL) != 0) {
            out.write((int) ((value & 0x7f) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

}
