package dev.edgetrainer.model.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the IDX files MNIST and Fashion-MNIST are distributed in: a big-endian header of
 * magic number and dimension sizes followed by the raw data. Only the two layouts those
 * data sets use are supported, unsigned-byte 3-D images and unsigned-byte 1-D labels.
 * Input may be gzipped; that is recognised by its magic bytes, not by the file name.
 * Every malformation, including bytes left over after the declared data, is an
 * {@link IdxFormatException} naming the source.
 */
public final class IdxReader {

    static final int IMAGES_MAGIC = 0x00000803;
    static final int LABELS_MAGIC = 0x00000801;

    /**
     * Upper bound on the data a header may declare, so a hostile header cannot make us
     * allocate gigabytes.
     */
    static final long MAX_DATA_BYTES = 512L * 1024 * 1024;

    private static final String[] IMAGE_DIMENSIONS = { "count", "rows", "cols" };

    private static final String[] LABEL_DIMENSIONS = { "count" };

    // The data buffer starts this small and grows as bytes actually arrive, so a
    // truncated file
    // costs memory in proportion to its real length, not to what its header claims.
    private static final int INITIAL_BUFFER = 1 << 20;

    /**
     * How far to read past the declared data when counting trailing bytes for the error
     * message.
     */
    private static final int TRAILING_COUNT_LIMIT = 1 << 20;

    private IdxReader() {
    }

    public static IdxImages readImages(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readImages(in, file.toString());
        }
    }

    /** Reads images from {@code in} up to its end; {@code in} is not closed. */
    public static IdxImages readImages(InputStream in, String sourceName) throws IOException {
        return readImages(in, sourceName, IdxLimits.NONE);
    }

    /**
     * Reads images from {@code in} up to its end within {@code limits}; {@code in} is not
     * closed.
     * @throws IdxTooLargeException when the header declares more images than allowed
     */
    public static IdxImages readImages(InputStream in, String sourceName, IdxLimits limits) throws IOException {
        Parsed parsed = parse(in, sourceName, IMAGES_MAGIC, IMAGE_DIMENSIONS, limits);
        return new IdxImages(parsed.dims[0], parsed.dims[1], parsed.dims[2], parsed.data);
    }

    public static byte[] readLabels(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return readLabels(in, file.toString());
        }
    }

    /** Reads labels from {@code in} up to its end; {@code in} is not closed. */
    public static byte[] readLabels(InputStream in, String sourceName) throws IOException {
        return readLabels(in, sourceName, IdxLimits.NONE);
    }

    /**
     * Reads labels from {@code in} up to its end within {@code limits}; {@code in} is not
     * closed.
     * @throws IdxTooLargeException when the header declares more labels than allowed
     */
    public static byte[] readLabels(InputStream in, String sourceName, IdxLimits limits) throws IOException {
        return parse(in, sourceName, LABELS_MAGIC, LABEL_DIMENSIONS, limits).data;
    }

    private record Parsed(int[] dims, byte[] data) {
    }

    private static Parsed parse(InputStream source, String name, int expectedMagic, String[] dimNames, IdxLimits limits)
            throws IOException {
        Objects.requireNonNull(source, "in");
        Objects.requireNonNull(name, "sourceName");
        // The caller owns the stream, but the GZIPInputStream must be closed to release
        // its native inflater.
        InputStream shielded = new FilterInputStream(source) {
            @Override
            public void close() {
            }
        };
        try (InputStream in = gunzipIfCompressed(new BufferedInputStream(shielded))) {
            int[] dims = readHeader(in, name, expectedMagic, dimNames);
            long size = dataSize(dims, dimNames, name);
            if (dims[0] > limits.maxCount()) {
                throw new IdxTooLargeException(name, dims[0], limits.maxCount());
            }
            boolean accounted = limits.beforeAllocating() != null;
            if (accounted) {
                limits.beforeAllocating().accept(size);
            }
            // A caller that bounded and accounted for the size gets one allocation;
            // otherwise the buffer grows with the data that actually arrives.
            byte[] data = readUpTo(in, (int) size, accounted ? (int) size : INITIAL_BUFFER);
            if (data.length < size) {
                throw malformed(name, "truncated: expected " + size + " data bytes after the header" + " for "
                        + describeDims(dims, dimNames) + ", found " + data.length);
            }
            long trailing = countRemaining(in, name);
            if (trailing > 0) {
                throw malformed(name,
                        (trailing > TRAILING_COUNT_LIMIT ? "more than " + TRAILING_COUNT_LIMIT : trailing)
                                + (trailing == 1 ? " unexpected trailing byte" : " unexpected trailing bytes")
                                + " after the " + size + " data bytes the header declares");
            }
            return new Parsed(dims, data);
        }
        catch (ZipException e) {
            throw malformed(name, "corrupt gzip data: " + e.getMessage(), e);
        }
    }

    private static InputStream gunzipIfCompressed(BufferedInputStream in) throws IOException {
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        return b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
    }

    private static int[] readHeader(InputStream in, String name, int expectedMagic, String[] dimNames)
            throws IOException {
        int headerSize = 4 + 4 * dimNames.length;
        byte[] header = readUpTo(in, headerSize, headerSize);
        if (header.length >= 4) {
            int magic = ByteBuffer.wrap(header).getInt();
            if (magic != expectedMagic) {
                throw malformed(name, "wrong magic number " + hex(magic) + " (" + describeMagic(magic) + "), expected "
                        + hex(expectedMagic) + " (" + describeMagic(expectedMagic) + ")");
            }
        }
        if (header.length < headerSize) {
            throw malformed(name, "truncated: expected " + headerSize + " header bytes, found " + header.length);
        }
        ByteBuffer buffer = ByteBuffer.wrap(header, 4, headerSize - 4);
        int[] dims = new int[dimNames.length];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = buffer.getInt();
        }
        return dims;
    }

    private static long dataSize(int[] dims, String[] dimNames, String name) {
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] <= 0) {
                throw malformed(name,
                        "dimension " + dimNames[i] + " is " + dims[i] + "; every dimension must be positive");
            }
        }
        long size = 1;
        for (int dim : dims) {
            // Stop as soon as the cap is passed: the running product then stays far from
            // overflowing a long.
            size *= dim;
            if (size > MAX_DATA_BYTES) {
                throw malformed(name, "header declares " + describeDims(dims, dimNames) + ", more than the "
                        + MAX_DATA_BYTES + "-byte (512 MiB) limit");
            }
        }
        return size;
    }

    /**
     * Reads until {@code length} bytes or the end of the stream, whichever comes first.
     */
    private static byte[] readUpTo(InputStream in, int length, int initialBuffer) throws IOException {
        byte[] buffer = new byte[Math.min(length, initialBuffer)];
        int filled = 0;
        while (filled < length) {
            if (filled == buffer.length) {
                buffer = Arrays.copyOf(buffer, (int) Math.min(length, 2L * buffer.length));
            }
            int n;
            try {
                n = in.read(buffer, filled, buffer.length - filled);
            }
            catch (EOFException e) {
                // GZIPInputStream reports a compressed stream cut short this way; it is
                // truncation like any other.
                break;
            }
            if (n < 0) {
                break;
            }
            filled += n;
        }
        return filled == buffer.length ? buffer : Arrays.copyOf(buffer, filled);
    }

    /**
     * Counts the bytes left in {@code in}, giving up once past
     * {@link #TRAILING_COUNT_LIMIT}.
     */
    private static long countRemaining(InputStream in, String name) throws IOException {
        byte[] scratch = new byte[8192];
        long total = 0;
        int n;
        try {
            while (total <= TRAILING_COUNT_LIMIT && (n = in.read(scratch)) >= 0) {
                total += n;
            }
        }
        catch (EOFException e) {
            // All data arrived but the gzip trailer did not, so its CRC check never ran:
            // the file is cut short.
            throw malformed(name, "truncated: the gzip stream ends before its trailer", e);
        }
        return total;
    }

    private static IdxFormatException malformed(String name, String detail) {
        return new IdxFormatException(name, name + ": " + detail);
    }

    private static IdxFormatException malformed(String name, String detail, Throwable cause) {
        return new IdxFormatException(name, name + ": " + detail, cause);
    }

    private static String describeDims(int[] dims, String[] dimNames) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < dims.length; i++) {
            sb.append(i == 0 ? "" : " x ").append(dimNames[i]).append(' ').append(dims[i]);
        }
        return sb.toString();
    }

    private static String hex(int value) {
        return String.format(Locale.ROOT, "0x%08X", value);
    }

    /**
     * Names what a magic number announces, so a swapped images/labels file or a non-IDX
     * file is obvious.
     */
    private static String describeMagic(int magic) {
        int type = (magic >>> 8) & 0xFF;
        int rank = magic & 0xFF;
        String typeName = switch (type) {
            case 0x08 -> "unsigned byte";
            case 0x09 -> "signed byte";
            case 0x0B -> "short";
            case 0x0C -> "int";
            case 0x0D -> "float";
            case 0x0E -> "double";
            default -> null;
        };
        if ((magic >>> 16) != 0 || typeName == null) {
            return "not an IDX file";
        }
        return "IDX " + typeName + " " + rank + "-D"
                + (magic == IMAGES_MAGIC ? " images" : magic == LABELS_MAGIC ? " labels" : "");
    }

}
