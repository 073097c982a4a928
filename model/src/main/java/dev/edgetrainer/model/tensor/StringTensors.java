package dev.edgetrainer.model.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * TFLite's packed layout of string tensors: int32 count, int32 offsets[count + 1], then
 * the bytes. Used to feed and read string tensors and to write string constants.
 */
public final class StringTensors {

    private StringTensors() {
    }

    public static byte[] pack(String[] strings) {
        byte[][] encoded = new byte[strings.length][];
        int payload = 0;
        for (int i = 0; i < strings.length; i++) {
            encoded[i] = strings[i].getBytes(StandardCharsets.UTF_8);
            payload += encoded[i].length;
        }
        int header = 4 * (strings.length + 2);
        ByteBuffer buffer = ByteBuffer.allocate(header + payload).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(strings.length);
        int offset = header;
        for (byte[] bytes : encoded) {
            buffer.putInt(offset);
            offset += bytes.length;
        }
        buffer.putInt(offset);
        for (byte[] bytes : encoded) {
            buffer.put(bytes);
        }
        return buffer.array();
    }

    /**
     * @throws IllegalArgumentException when the bytes are not {@code expectedCount}
     * packed strings
     */
    public static String[] unpack(byte[] packed, int expectedCount, String name) {
        ByteBuffer buffer = ByteBuffer.wrap(packed).order(ByteOrder.LITTLE_ENDIAN);
        if (packed.length < 4 || buffer.getInt(0) != expectedCount || packed.length < 4 * (expectedCount + 2)) {
            throw new IllegalArgumentException("string output '" + name + "' is malformed");
        }
        String[] strings = new String[expectedCount];
        for (int i = 0; i < expectedCount; i++) {
            int start = buffer.getInt(4 * (i + 1));
            int end = buffer.getInt(4 * (i + 2));
            if (start < 0 || end < start || end > packed.length) {
                throw new IllegalArgumentException("string output '" + name + "' has offsets out of range");
            }
            strings[i] = new String(packed, start, end - start, StandardCharsets.UTF_8);
        }
        return strings;
    }

}
