package dev.edgetrainer.model.flex;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of a TensorFlow {@code NodeDef} protobuf that kernels need: the op name and
 * the attributes. Parsed by hand from the wire format (no protobuf dependency for a dozen
 * fields); unknown fields are skipped.
 */
record NodeDef(String name, String op, Map<String, Attr> attrs) {

    NodeDef {
        attrs = Map.copyOf(attrs);
    }

    /**
     * One {@code AttrValue}: a scalar or a list; absent parts are empty. TF dtypes are
     * enum codes (DT_FLOAT = 1).
     */
    record Attr(Optional<Long> i, Optional<Integer> type, Optional<String> s, Optional<Float> f, Optional<Boolean> b,
            List<Integer> typeList, List<Long> intList) {
    }

    Optional<Integer> type(String attr) {
        return Optional.ofNullable(attrs.get(attr)).flatMap(Attr::type);
    }

    List<Integer> typeList(String attr) {
        Attr value = attrs.get(attr);
        return value == null ? List.of() : value.typeList();
    }

    /**
     * @throws FlexOpException if the bytes are not a NodeDef
     */
    static NodeDef parse(byte[] bytes) {
        try {
            Wire in = new Wire(bytes, 0, bytes.length);
            String name = "";
            String op = "";
            Map<String, Attr> attrs = new HashMap<>();
            while (in.more()) {
                int tag = in.tag();
                switch (tag >>> 3) {
                    case 1 -> name = in.string(tag);
                    case 2 -> op = in.string(tag);
                    case 5 -> {
                        Wire entry = in.message(tag);
                        String key = "";
                        Attr value = emptyAttr();
                        while (entry.more()) {
                            int entryTag = entry.tag();
                            switch (entryTag >>> 3) {
                                case 1 -> key = entry.string(entryTag);
                                case 2 -> value = attr(entry.message(entryTag));
                                default -> entry.skip(entryTag);
                            }
                        }
                        attrs.put(key, value);
                    }
                    default -> in.skip(tag);
                }
            }
            return new NodeDef(name, op, attrs);
        }
        catch (RuntimeException e) {
            throw new FlexOpException("malformed NodeDef in the op's custom options: " + e.getMessage());
        }
    }

    private static Attr emptyAttr() {
        return new Attr(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                List.of(), List.of());
    }

    private static Attr attr(Wire in) {
        Long i = null;
        Integer type = null;
        String s = null;
        Float f = null;
        Boolean b = null;
        List<Integer> types = new ArrayList<>();
        List<Long> ints = new ArrayList<>();
        while (in.more()) {
            int tag = in.tag();
            switch (tag >>> 3) {
                case 1 -> {
                    Wire list = in.message(tag);
                    while (list.more()) {
                        int listTag = list.tag();
                        switch (listTag >>> 3) {
                            case 3 -> list.varints(listTag, v -> ints.add(v));
                            case 6 -> list.varints(listTag, v -> types.add((int) v));
                            default -> list.skip(listTag);
                        }
                    }
                }
                case 2 -> s = in.string(tag);
                case 3 -> i = in.varint();
                case 4 -> f = Float.intBitsToFloat(in.fixed32());
                case 5 -> b = in.varint() != 0;
                case 6 -> type = (int) in.varint();
                default -> in.skip(tag);
            }
        }
        return new Attr(Optional.ofNullable(i), Optional.ofNullable(type), Optional.ofNullable(s),
                Optional.ofNullable(f), Optional.ofNullable(b), List.copyOf(types), List.copyOf(ints));
    }

    /** A bounded reader of protobuf wire format. */
    private static final class Wire {

        private final byte[] bytes;

        private int position;

        private final int end;

        Wire(byte[] bytes, int position, int end) {
            this.bytes = bytes;
            this.position = position;
            this.end = end;
        }

        boolean more() {
            return position < end;
        }

        int tag() {
            return (int) varint();
        }

        long varint() {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte next = read();
                value |= (long) (next & 0x7f) << shift;
                if (next >= 0) {
                    return value;
                }
            }
            throw new IllegalStateException("varint too long");
        }

        int fixed32() {
            int value = 0;
            for (int k = 0; k < 4; k++) {
                value |= (read() & 0xff) << (8 * k);
            }
            return value;
        }

        Wire message(int tag) {
            expect(tag, 2);
            int length = length();
            Wire inner = new Wire(bytes, position, position + length);
            position += length;
            return inner;
        }

        String string(int tag) {
            expect(tag, 2);
            int length = length();
            String value = new String(bytes, position, length, StandardCharsets.UTF_8);
            position += length;
            return value;
        }

        /** A repeated varint field, packed or not. */
        void varints(int tag, java.util.function.LongConsumer consumer) {
            if ((tag & 7) == 0) {
                consumer.accept(varint());
                return;
            }
            Wire packed = message(tag);
            while (packed.more()) {
                consumer.accept(packed.varint());
            }
        }

        void skip(int tag) {
            switch (tag & 7) {
                case 0 -> varint();
                case 1 -> advance(8);
                case 2 -> advance(length());
                case 5 -> advance(4);
                default -> throw new IllegalStateException("unsupported wire type " + (tag & 7));
            }
        }

        private int length() {
            long length = varint();
            if (length < 0 || length > end - position) {
                throw new IllegalStateException("length " + length + " runs past the end");
            }
            return (int) length;
        }

        private void advance(int n) {
            if (n > end - position) {
                throw new IllegalStateException("field runs past the end");
            }
            position += n;
        }

        private byte read() {
            if (position >= end) {
                throw new IllegalStateException("truncated");
            }
            return bytes[position++];
        }

        private static void expect(int tag, int wireType) {
            if ((tag & 7) != wireType) {
                throw new IllegalStateException("field " + (tag >>> 3) + " has wire type " + (tag & 7));
            }
        }

    }
}
