package dev.edgetrainer.server.torture;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import dev.edgetrainer.server.TestFixtures;

/**
 * Malformed request parts, made from a {@link Random} so that jqwik reports a seed that
 * makes them again: numbers that are not finite floats, tensors of wrong shapes and
 * depths, damaged images and IDX files, multipart bodies, path tricks. Each method says
 * whether its result can ever be valid.
 */
final class HostileRequests {

    /** Side of the model's 28 x 28 input ({@link TestFixtures#SMALL}). */
    static final int SIDE = 28;

    /**
     * JSON numbers (and non-numbers) a float tensor must refuse; none is a valid float.
     */
    private static final List<String> NOT_FINITE = List.of("NaN", "Infinity", "-Infinity", "1e400", "-1e400", "\"a\"",
            "true", "null", "[]", "{}", "\"NaN\"", "0x1F", "1e99999999999", "1234567890123456789012345678e20");

    /** Odd but finite numbers: a model must take them or refuse them, never fail. */
    private static final List<String> ODD_FINITE = List.of("-0", "0", "1e-400", "4.9e-324", "3.4028235e38",
            "-3.4028235e38", "1e38", "123456789012345678901234567890", "-1", "255", "1.0000000000000000000001");

    private HostileRequests() {
    }

    static String number(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> ODD_FINITE.get(random.nextInt(ODD_FINITE.size()));
            case 1 -> NOT_FINITE.get(random.nextInt(NOT_FINITE.size()));
            default -> Float.toString(random.nextFloat());
        };
    }

    /** A finite value in [0, 1] as JSON. */
    static String pixel(Random random) {
        return Float.toString(random.nextFloat());
    }

    /** One well-formed sample as JSON: 28 rows of 28 numbers in [0, 1]. */
    static String sample(Random random) {
        return array(SIDE, i -> array(SIDE, j -> pixel(random)));
    }

    /** {@code count} well-formed samples. */
    static String batch(Random random, int count) {
        return array(count, i -> sample(random));
    }

    /**
     * A tensor of any shape and depth, elements anything from {@link #number}: mostly not
     * the model's input. At most about 20,000 elements (a body of a few hundred KB):
     * bigger bodies are the bombs' part.
     */
    static String anyTensor(Random random, int depth) {
        return anyTensor(random, depth, new int[] { 20_000 });
    }

    private static String anyTensor(Random random, int depth, int[] budget) {
        if (depth == 0 || budget[0] <= 0 || random.nextInt(6) == 0) {
            budget[0]--;
            return number(random);
        }
        int length = switch (random.nextInt(5)) {
            case 0 -> 0;
            case 1 -> SIDE + random.nextInt(3) - 1;
            default -> random.nextInt(6);
        };
        return array(length, i -> anyTensor(random, depth - 1, budget));
    }

    /**
     * {@code depth} nested arrays around one number: Jackson's nesting limit and beyond.
     */
    static String deep(int depth) {
        return "[".repeat(depth) + "0.5" + "]".repeat(depth);
    }

    /**
     * A sample that is never valid: one defect among a wrong number, a wrong row length,
     * a missing row, an extra level or a ragged row.
     */
    static String badSample(Random random) {
        int row = random.nextInt(SIDE);
        int column = random.nextInt(SIDE);
        int defect = random.nextInt(5);
        int rows = defect == 2 ? SIDE - 1 - random.nextInt(SIDE) : SIDE;
        return array(rows, i -> {
            if (i != row) {
                return array(SIDE, j -> pixel(random));
            }
            return switch (defect) {
                case 0 ->
                    array(SIDE, j -> j == column ? NOT_FINITE.get(random.nextInt(NOT_FINITE.size())) : pixel(random));
                case 1 -> array(random.nextBoolean() ? SIDE + 1 + random.nextInt(3) : random.nextInt(SIDE),
                        j -> pixel(random));
                case 3 -> array(SIDE, j -> "[" + pixel(random) + "]");
                default -> pixel(random);
            };
        });
    }

    /** A label that is never a class index of a ten-class model. */
    static String badLabel(Random random) {
        List<String> labels = List.of("-1", "10", "11", "1e9", "2.5", "-0.5", "\"a\"", "null", "[]", "{}", "true",
                "NaN", "1e400", "99999999999999999999", "[1,2]", "[0.1,0.9]");
        return labels.get(random.nextInt(labels.size()));
    }

    static String label(Random random) {
        return Integer.toString(random.nextInt(10));
    }

    /** A PNG or JPEG of the model's size, of random content. */
    static byte[] image(Random random) {
        int[] pixels = new int[SIDE * SIDE];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = random.nextInt(256);
        }
        return TestFixtures.image(pixels, random.nextBoolean() ? "png" : "jpg");
    }

    /**
     * An image damaged so that no decoder can be trusted with it: bits flipped in its
     * header or anywhere, truncated, or random bytes. May still decode.
     */
    static byte[] damagedImage(Random random) {
        byte[] image = image(random);
        int[] size = sizeFields(image);
        switch (random.nextInt(4)) {
            case 0 -> {
                for (int i = 0; i < 1 + random.nextInt(4); i++) {
                    flipOutside(image, random.nextInt(Math.min(image.length, 64)), size, random);
                }
                return image;
            }
            case 1 -> {
                return Arrays.copyOf(image, random.nextInt(image.length));
            }
            case 2 -> {
                byte[] noise = new byte[random.nextInt(4096)];
                random.nextBytes(noise);
                return noise;
            }
            default -> {
                for (int i = 0; i < 1 + random.nextInt(16); i++) {
                    flipOutside(image, random.nextInt(image.length), size, random);
                }
                return image;
            }
        }
    }

    /**
     * Flips a bit at {@code at} unless it is one of the size fields: a flip there is the
     * bombs' part ({@link #hugeHeader}).
     */
    private static void flipOutside(byte[] image, int at, int[] size, Random random) {
        if (at < size[0] || at >= size[1]) {
            image[at] ^= (byte) (1 << random.nextInt(8));
        }
    }

    /** [from, to) of the width and height: a PNG's IHDR, a JPEG's SOF. */
    private static int[] sizeFields(byte[] image) {
        int at = image[0] == (byte) 0x89 ? 16 : Math.max(0, indexOf(image, (byte) 0xC0) + 3);
        return new int[] { at, at + 8 };
    }

    /**
     * An image whose size fields (the IHDR width and height of a PNG, the SOF size of a
     * JPEG) are set to huge or zero values: a decoder that believes them allocates for
     * them.
     */
    static byte[] hugeHeader(Random random) {
        byte[] image = image(random);
        int[] size = sizeFields(image);
        for (int at = size[0]; at < size[1] && at < image.length; at++) {
            if (random.nextBoolean()) {
                image[at] = (byte) (random.nextBoolean() ? 0xFF : 0);
            }
        }
        return image;
    }

    /** An IDX file (gzipped or not) that is never a valid one of {@code count} items. */
    static byte[] badIdx(Random random, boolean images, int count) {
        byte[] idx = images ? TestFixtures.idxImages(count) : TestFixtures.idxLabels(count);
        switch (random.nextInt(5)) {
            case 0 -> idx[random.nextInt(4)] ^= (byte) (1 << random.nextInt(8));
            case 1 -> {
                // The item count: more than the file holds, or negative.
                idx[4] = (byte) (random.nextBoolean() ? 0x7F : 0xFF);
            }
            case 2 -> idx = Arrays.copyOf(idx, random.nextInt(idx.length));
            case 3 -> {
                // More dimensions or a size per item the model does not take.
                idx[3] = (byte) (idx[3] + 1 + random.nextInt(5));
            }
            default -> {
                byte[] noise = new byte[random.nextInt(2048)];
                random.nextBytes(noise);
                idx = noise;
            }
        }
        return random.nextBoolean() ? gzip(idx) : idx;
    }

    /** A checkpoint id or path segment with tricks: traversal, encodings, odd lengths. */
    static String trickyId(Random random) {
        List<String> tricks = List.of("..", "%2e%2e", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2fstore.lock", "%00", "a%00b",
                "%ff%fe", "current.pointer", "store.lock", ".tmp-1-a", "a.json", "a.weights", "%5C..%5C", "CON", "-",
                ".", "%20", "%E2%80%AE", "a".repeat(300), "x".repeat(5000), "%25", "%C0%AE%C0%AE", "~root", "a;b",
                "a%3Bjsessionid=1");
        String trick = tricks.get(random.nextInt(tricks.size()));
        return random.nextInt(4) == 0 ? "peer-" + trick : trick;
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(data);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] data, byte value) {
        for (int i = 2; i < data.length - 1; i++) {
            if (data[i] == (byte) 0xFF && data[i + 1] == value) {
                return i + 1;
            }
        }
        return 0;
    }

    interface Element {

        String at(int index);

    }

    static String array(int length, Element element) {
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < length; i++) {
            if (i > 0) {
                json.append(',');
            }
            json.append(element.at(i));
        }
        return json.append(']').toString();
    }

    /** A multipart/form-data body, parts added in order. */
    static final class Multipart {

        final String boundary;

        private final ByteArrayOutputStream body = new ByteArrayOutputStream();

        private final List<String> names = new ArrayList<>();

        Multipart(Random random) {
            this.boundary = "edge" + Long.toHexString(random.nextLong());
        }

        Multipart file(String name, String filename, String type, byte[] data) {
            return part("Content-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename
                    + "\"\r\nContent-Type: " + type, data);
        }

        Multipart field(String name, String value) {
            return part("Content-Disposition: form-data; name=\"" + name + "\"",
                    value.getBytes(StandardCharsets.UTF_8));
        }

        private Multipart part(String headers, byte[] data) {
            write(("--" + boundary + "\r\n" + headers + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            write(data);
            write("\r\n".getBytes(StandardCharsets.UTF_8));
            names.add(headers);
            return this;
        }

        String contentType() {
            return "multipart/form-data; boundary=" + boundary;
        }

        /** The body, closed; {@code truncate} cuts it before its end. */
        byte[] bytes(boolean truncate) {
            byte[] end = ("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(body.toByteArray());
            all.writeBytes(end);
            byte[] bytes = all.toByteArray();
            return truncate ? Arrays.copyOf(bytes, bytes.length / 2) : bytes;
        }

        int parts() {
            return names.size();
        }

        private void write(byte[] data) {
            body.writeBytes(data);
        }

    }

}
