package dev.edgetrainer.server.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;

/**
 * One kept batch of samples as it lies in a segment file: a length, a CRC32C of the
 * payload, and the payload. A batch is one record, so it is kept whole or not at all: a
 * record torn by a crash or altered on disk fails its checksum and is never loaded.
 *
 * <pre>
 * length u32 | crc32c u32 (of the payload) | payload:
 *   first_seq u64 | low_water u64 | kept_at_ms u64 | count u32
 *   | x_kind u8 (0: uint8 pixels, value / 255; 1: float32) | x_size u32 (values per sample)
 *   | y_kind u8 (0: class index u16, for one-hot targets; 1: float32 rows) | y_size u32 (width)
 *   | x values | y values
 * </pre>
 *
 * Little-endian throughout. {@code low_water} is the sequence number below which samples
 * are dropped, as of this record: the bound only rises, so a dropped sample never comes
 * back, and a record of no samples whose low water is the next sequence number clears the
 * store.
 */
final class SampleRecord {

    static final int FRAME = 8;

    static final int HEAD = 8 + 8 + 8 + 4 + 1 + 4 + 1 + 4;

    static final byte PIXELS = 0;

    static final byte FLOATS = 1;

    static final byte CLASS_INDEX = 0;

    /** Copied in slices of this size, so a large batch needs no second copy of itself. */
    private static final int CHUNK = 64 * 1024;

    private SampleRecord() {
    }

    /** The header of a record, read from its payload's first {@link #HEAD} bytes. */
    record Head(long firstSeq, long lowWater, long keptAt, int count, byte xKind, int xSize, byte yKind, int ySize) {

        long xBytes() {
            return (long) count * xSize * (xKind == PIXELS ? 1 : 4);
        }

        long yBytes() {
            return (long) count * (yKind == CLASS_INDEX ? 2 : 4L * ySize);
        }

        long payloadBytes() {
            return HEAD + xBytes() + yBytes();
        }

        boolean valid() {
            return count >= 0 && xSize > 0 && ySize > 0 && (xKind == PIXELS || xKind == FLOATS)
                    && (yKind == CLASS_INDEX || yKind == FLOATS) && firstSeq >= 0 && lowWater >= 0;
        }

        /** The sequence number after this record's last sample. */
        long endSeq() {
            return firstSeq + count;
        }

    }

    /**
     * Samples {@code from} (inclusive) to {@code to} of {@code data}, or none: what an
     * append writes.
     *
     * @param classes each sample's class index when the targets are one-hot rows, to be
     * written instead of them; null to write the rows
     */
    record Batch(TrainingData data, int from, int to, short[] classes) {

        static final Batch NONE = new Batch(null, 0, 0, null);

        int count() {
            return to - from;
        }

    }

    /**
     * Writes one record at the channel's end and forces it to the device.
     * @return the header written; the record takes {@link #FRAME} bytes more than its
     * payload
     */
    static Head append(FileChannel channel, Batch batch, long firstSeq, long lowWater, long keptAt) throws IOException {
        TrainingData data = batch.data();
        int count = batch.count();
        // A record of no samples (a clear) has no data; its kinds and sizes are
        // placeholders.
        Head head = count == 0 ? new Head(firstSeq, lowWater, keptAt, 0, FLOATS, 1, FLOATS, 1)
                : new Head(firstSeq, lowWater, keptAt, count, data.pixels() != null ? PIXELS : FLOATS, data.xSize(),
                        batch.classes() != null ? CLASS_INDEX : FLOATS, data.ySize());
        long payload = head.payloadBytes();
        if (payload > Integer.MAX_VALUE - FRAME) {
            throw new IOException("a batch of " + count + " samples is too large for one record");
        }
        // First pass: the checksum; second pass: the bytes. Neither holds the batch
        // twice.
        CRC32C crc = new CRC32C();
        write(head, batch, buffer -> crc.update(buffer));
        ByteBuffer frame = ByteBuffer.allocate(FRAME).order(ByteOrder.LITTLE_ENDIAN);
        frame.putInt((int) payload).putInt((int) crc.getValue()).flip();
        long start = channel.size();
        channel.position(start);
        writeFully(channel, frame);
        write(head, batch, buffer -> writeFully(channel, buffer));
        channel.force(false);
        return head;
    }

    private interface Sink {

        void accept(ByteBuffer buffer) throws IOException;

    }

    private static void write(Head head, Batch batch, Sink sink) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(head.firstSeq())
            .putLong(head.lowWater())
            .putLong(head.keptAt())
            .putInt(head.count())
            .put(head.xKind())
            .putInt(head.xSize())
            .put(head.yKind())
            .putInt(head.ySize());
        TrainingData data = batch.data();
        int xSize = head.xSize();
        for (int i = batch.from(); i < batch.to(); i++) {
            for (int v = 0; v < xSize; v++) {
                if (buffer.remaining() < 4) {
                    drain(buffer, sink);
                }
                if (head.xKind() == PIXELS) {
                    buffer.put(data.pixels()[i * xSize + v]);
                }
                else {
                    buffer.putFloat(data.x()[i * xSize + v]);
                }
            }
        }
        int ySize = head.ySize();
        for (int i = batch.from(); i < batch.to(); i++) {
            if (head.yKind() == CLASS_INDEX) {
                if (buffer.remaining() < 2) {
                    drain(buffer, sink);
                }
                buffer.putShort(batch.classes()[i - batch.from()]);
                continue;
            }
            for (int c = 0; c < ySize; c++) {
                if (buffer.remaining() < 4) {
                    drain(buffer, sink);
                }
                buffer.putFloat(data.y()[i * ySize + c]);
            }
        }
        drain(buffer, sink);
    }

    private static void drain(ByteBuffer buffer, Sink sink) throws IOException {
        buffer.flip();
        sink.accept(buffer);
        buffer.clear();
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    static Head head(ByteBuffer payload) {
        ByteBuffer in = payload.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        return new Head(in.getLong(), in.getLong(), in.getLong(), in.getInt(), in.get(), in.getInt(), in.get(),
                in.getInt());
    }

    /**
     * Reads a payload in slices from its file, checksumming every byte on the way, so
     * that whatever was taken from it can be trusted only once {@link #verify} says so.
     */
    static final class Input {

        private final FileChannel channel;

        private final CRC32C crc = new CRC32C();

        private final ByteBuffer buffer = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);

        private long position;

        private long left;

        Input(FileChannel channel, long position, long length) {
            this.channel = channel;
            this.position = position;
            this.left = length;
            buffer.limit(0);
        }

        /** Makes {@code n} bytes available; the payload ending first is a torn record. */
        private void need(int n) throws IOException {
            if (buffer.remaining() >= n) {
                return;
            }
            buffer.compact();
            while (buffer.position() < n) {
                if (left == 0) {
                    throw new TornRecordException("the record ends early");
                }
                int want = (int) Math.min(left, buffer.remaining());
                ByteBuffer slice = buffer.slice(buffer.position(), want);
                int read = channel.read(slice, position);
                if (read < 0) {
                    throw new TornRecordException("the file ends inside the record");
                }
                crc.update(buffer.slice(buffer.position(), read));
                buffer.position(buffer.position() + read);
                position += read;
                left -= read;
            }
            buffer.flip();
        }

        byte get() throws IOException {
            need(1);
            return buffer.get();
        }

        short getShort() throws IOException {
            need(2);
            return buffer.getShort();
        }

        int getInt() throws IOException {
            need(4);
            return buffer.getInt();
        }

        long getLong() throws IOException {
            need(8);
            return buffer.getLong();
        }

        float getFloat() throws IOException {
            need(4);
            return buffer.getFloat();
        }

        Head head() throws IOException {
            return new Head(getLong(), getLong(), getLong(), getInt(), get(), getInt(), get(), getInt());
        }

        /** Reads past {@code n} bytes, checksumming them. */
        void skip(long n) throws IOException {
            while (n > 0) {
                int step = (int) Math.min(n, CHUNK);
                need(step);
                buffer.position(buffer.position() + step);
                n -= step;
            }
        }

        /** Reads what is left of the payload and compares the checksum. */
        boolean verify(int expected) throws IOException {
            skip(buffer.remaining() + left);
            return (int) crc.getValue() == expected;
        }

    }

    /** A record that cannot be read to its end. */
    static final class TornRecordException extends IOException {

        TornRecordException(String message) {
            super(message);
        }

    }

}
