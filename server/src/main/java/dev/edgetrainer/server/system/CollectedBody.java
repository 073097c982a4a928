package dev.edgetrainer.server.system;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;

/**
 * A request body in memory, in chunks that are reserved from the request's
 * {@link RequestMemory} as they are allocated: a body costs what has arrived, never what
 * its header announces, and is never copied to grow. Parts of it are read as streams
 * ({@link #stream}) without copying. Filled by one thread at a time, then only read.
 */
final class CollectedBody {

    /** Request attribute holding the body once it has arrived. */
    static final String ATTRIBUTE = CollectedBody.class.getName();

    static final int CHUNK = 64 * 1024;

    private final RequestMemory memory;

    private final long expected;

    private final List<byte[]> chunks = new ArrayList<>();

    private long length;

    /**
     * @param expected the Content-Length, or -1 when the body is chunked
     */
    CollectedBody(RequestMemory memory, long expected) {
        this.memory = memory;
        this.expected = expected;
    }

    /**
     * Reads what {@code in} has into the body.
     * @return the bytes read, or -1 at the end of the stream
     */
    int readFrom(InputStream in) throws IOException {
        if (length == expected) {
            if (in.read() >= 0) {
                throw new IOException("the body is longer than its Content-Length of " + expected);
            }
            return -1;
        }
        int offset = (int) (length % CHUNK);
        byte[] chunk = (offset == 0 || chunks.isEmpty()) ? null : chunks.get(chunks.size() - 1);
        if (chunk == null || offset == chunk.length) {
            int size = (int) ((expected >= 0) ? Math.min(CHUNK, expected - length) : CHUNK);
            memory.reserve(size, "body", "receiving the request body");
            chunk = new byte[size];
            chunks.add(chunk);
            offset = 0;
        }
        int n = in.read(chunk, offset, chunk.length - offset);
        if (n > 0) {
            length += n;
        }
        return n;
    }

    /** Reads {@code in} to its end (blocking). */
    void readAll(InputStream in) throws IOException {
        while (readFrom(in) >= 0) {
            // keep reading
        }
    }

    long length() {
        return length;
    }

    byte byteAt(long index) {
        return chunks.get((int) (index / CHUNK))[(int) (index % CHUNK)];
    }

    /**
     * The first index at or after {@code from} where {@code pattern} starts, or -1
     * (Knuth-Morris-Pratt: linear in the body whatever its content).
     */
    long indexOf(byte[] pattern, long from) {
        int[] fallback = new int[pattern.length];
        for (int i = 1, k = 0; i < pattern.length; i++) {
            while (k > 0 && pattern[i] != pattern[k]) {
                k = fallback[k - 1];
            }
            if (pattern[i] == pattern[k]) {
                k++;
            }
            fallback[i] = k;
        }
        for (long i = from, k = 0; i < length; i++) {
            byte b = byteAt(i);
            while (k > 0 && b != pattern[(int) k]) {
                k = fallback[(int) k - 1];
            }
            if (b == pattern[(int) k]) {
                k++;
            }
            if (k == pattern.length) {
                return i - pattern.length + 1;
            }
        }
        return -1;
    }

    /** Bytes {@code [from, to)} as a stream, without copying them. */
    InputStream stream(long from, long to) {
        return new Range(from, to);
    }

    /**
     * Bytes {@code [from, to)} as an array of their own, reserved first.
     * @param field the part or field the copy is for
     */
    byte[] copy(long from, long to, String field) {
        long size = to - from;
        memory.reserve(size, field, "copying '" + field + "'");
        byte[] out = new byte[Math.toIntExact(size)];
        try (InputStream in = stream(from, to)) {
            in.readNBytes(out, 0, out.length);
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /** The whole body as the stream the request's reader sees. */
    ServletInputStream servletStream() {
        return new ServletRange(0, length);
    }

    private class Range extends InputStream {

        private long position;

        private final long end;

        Range(long from, long to) {
            this.position = from;
            this.end = to;
        }

        @Override
        public int read() {
            return (position < end) ? byteAt(position++) & 0xFF : -1;
        }

        @Override
        public int read(byte[] buffer, int offset, int count) {
            if (count == 0) {
                return 0;
            }
            if (position >= end) {
                return -1;
            }
            byte[] chunk = chunks.get((int) (position / CHUNK));
            int at = (int) (position % CHUNK);
            int n = (int) Math.min(Math.min(count, chunk.length - at), end - position);
            System.arraycopy(chunk, at, buffer, offset, n);
            position += n;
            return n;
        }

        @Override
        public long skip(long n) {
            long skipped = Math.max(0, Math.min(n, end - position));
            position += skipped;
            return skipped;
        }

        @Override
        public int available() {
            return (int) Math.min(Integer.MAX_VALUE, end - position);
        }

        /**
         * What reads a body whole (a {@code byte[]} argument) allocates the rest of it:
         * reserved first like every other allocation the request makes.
         */
        @Override
        public byte[] readAllBytes() throws IOException {
            return readNBytes(Integer.MAX_VALUE);
        }

        @Override
        public byte[] readNBytes(int count) throws IOException {
            long size = Math.min(count, end - position);
            byte[] out = copy(position, position + size, "body");
            position += size;
            return out;
        }

    }

    private final class ServletRange extends ServletInputStream {

        private final Range range;

        ServletRange(long from, long to) {
            this.range = new Range(from, to);
        }

        @Override
        public int read() {
            return range.read();
        }

        @Override
        public int read(byte[] buffer, int offset, int count) {
            return range.read(buffer, offset, count);
        }

        @Override
        public long skip(long n) {
            return range.skip(n);
        }

        @Override
        public int available() {
            return range.available();
        }

        @Override
        public byte[] readAllBytes() throws IOException {
            return range.readAllBytes();
        }

        @Override
        public byte[] readNBytes(int count) throws IOException {
            return range.readNBytes(count);
        }

        @Override
        public boolean isFinished() {
            return range.available() == 0;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
            throw new IllegalStateException("the body has arrived already; read it directly");
        }

    }

}
