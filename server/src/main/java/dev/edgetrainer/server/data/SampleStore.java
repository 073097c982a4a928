package dev.edgetrainer.server.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

import dev.edgetrainer.model.hosting.HostingPlan.Targets;
import dev.edgetrainer.model.io.AtomicFiles;
import dev.edgetrainer.server.data.SampleRecord.Batch;
import dev.edgetrainer.server.data.SampleRecord.Head;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device's own labelled samples, bounded and durable, for federated rounds and local
 * evaluation.
 * <p>
 * Samples are numbered in the order they were kept and written as append-only segment
 * files ({@code samples-<n>.seg}) of checksummed records, one record per kept batch (see
 * {@link SampleRecord}); each append is forced to the device before it counts. At most
 * {@code maxSamples} are live: keeping more drops the oldest. A segment is created whole
 * (temp file, fsync, rename, fsync of the directory) and deleted once all its samples are
 * dropped. On opening, a record that is torn (a crash while appending) or fails its
 * checksum is dropped with everything after it in its segment, and the file is cut back
 * to its last good record: nothing that was not written whole is ever loaded. Appends
 * after an opening go to a new segment.
 * <p>
 * A sample is held out for validation when a hash of its sequence number falls below
 * {@code validationFraction}, so the split is the same on every start and does not move
 * when old samples are dropped. Samples that came as 8-bit pixels (images, IDX) stay
 * 8-bit. Thread-safe.
 */
public final class SampleStore {

    private static final Logger log = LoggerFactory.getLogger(SampleStore.class);

    private static final Pattern SEGMENT = Pattern.compile("samples-(\\d{16})\\.seg");

    private static final byte[] MAGIC = "ETSAMPLE".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static final int VERSION = 1;

    /** Magic, version, segment number, CRC32C of those. */
    private static final int HEADER = 8 + 4 + 8 + 4;

    /** A new segment is started once the current one is this large. */
    static final long SEGMENT_BYTES = 8L * 1024 * 1024;

    /** Which kept samples a caller wants. */
    public enum Split {

        /** The samples rounds train on. */
        TRAINING,
        /** The held-out samples evaluation measures on. */
        VALIDATION,
        /** Every live sample. */
        ALL

    }

    private final Path dir;

    private final int maxSamples;

    private final double validationFraction;

    private final int xSize;

    private final int ySize;

    private final Targets targets;

    private final List<String> classNames;

    private final List<Segment> segments = new ArrayList<>();

    /** Appends go here; null until the first append after opening. */
    private Segment current;

    private long nextSeq;

    private long lowWater;

    private Recovered recovered = new Recovered(0, 0);

    /**
     * @param xSize values per sample input, {@code ySize} per target row: records of
     * other sizes (kept for another model) are not loaded
     */
    public SampleStore(Path dir, int maxSamples, double validationFraction, int xSize, int ySize, Targets targets,
            List<String> classNames) {
        this.dir = dir.toAbsolutePath().normalize();
        this.maxSamples = maxSamples;
        this.validationFraction = validationFraction;
        this.xSize = xSize;
        this.ySize = ySize;
        this.targets = targets;
        this.classNames = List.copyOf(classNames);
    }

    /**
     * The class a target row stands for, as the model's targets say; -1 for none (values,
     * or a row that is no label, e.g. soft targets).
     */
    short classOf(float[] y, int offset) {
        int classes = classNames.size();
        switch (targets) {
            case ONE_HOT -> {
                int hot = -1;
                for (int c = 0; c < ySize; c++) {
                    float v = y[offset + c];
                    if (v == 1f && hot < 0) {
                        hot = c;
                    }
                    else if (v != 0f) {
                        return -1;
                    }
                }
                return (short) (hot < classes ? hot : -1);
            }
            case CLASS_INDEX, PROBABILITY -> {
                float v = y[offset];
                return v == Math.rint(v) && v >= 0 && v < classes ? (short) v : -1;
            }
            default -> {
                return -1;
            }
        }
    }

    /** A record read back at opening: where it is, what it holds. */
    private record Entry(long offset, Head head, short[] classes, boolean compatible) {
    }

    private static final class Segment {

        final Path file;

        final long number;

        final List<Entry> entries = new ArrayList<>();

        long size;

        Segment(Path file, long number, long size) {
            this.file = file;
            this.number = number;
            this.size = size;
        }

        long endSeq() {
            return entries.stream().mapToLong(e -> e.head().endSeq()).max().orElse(0);
        }

    }

    /** What the last opening dropped: torn or corrupt records, and their bytes. */
    public record Recovered(int records, long bytes) {
    }

    /**
     * Reads every segment, drops torn or corrupt tails, removes temp files of interrupted
     * writes and segments whose samples were all dropped.
     * @throws SampleStoreException when the directory cannot be read
     */
    public synchronized void open() {
        segments.clear();
        current = null;
        nextSeq = 0;
        lowWater = 0;
        int droppedRecords = 0;
        long droppedBytes = 0;
        try {
            Files.createDirectories(dir);
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path file : files) {
                    String name = file.getFileName().toString();
                    Matcher segment = SEGMENT.matcher(name);
                    if (segment.matches()) {
                        segments.add(new Segment(file, Long.parseLong(segment.group(1)), Files.size(file)));
                    }
                    else if (name.startsWith(".samples-") && name.endsWith(".tmp")) {
                        log.info("Removing {} left by an interrupted write", name);
                        Files.deleteIfExists(file);
                    }
                }
            }
            segments.sort((a, b) -> Long.compare(a.number, b.number));
            for (Segment segment : segments) {
                long good = read(segment);
                if (good >= 0 && good < segment.size) {
                    droppedRecords++;
                    droppedBytes += segment.size - good;
                    log.warn("Sample segment {}: dropped {} bytes from offset {} (a torn or corrupt record and what "
                            + "follows it)", segment.file.getFileName(), segment.size - good, good);
                    cut(segment, good);
                }
            }
            recovered = new Recovered(droppedRecords, droppedBytes);
            pruneDropped();
        }
        catch (IOException e) {
            throw new SampleStoreException("cannot open the sample directory " + dir, e);
        }
        log.info("Sample store {}: {} samples live ({} segments)", dir, count(Split.ALL), segments.size());
    }

    /**
     * Reads a segment's records into its entries.
     * @return the length of its good prefix; -1 when its header is not valid
     */
    private long read(Segment segment) throws IOException {
        try (FileChannel channel = FileChannel.open(segment.file, StandardOpenOption.READ)) {
            if (!headerValid(channel, segment.number)) {
                // Segments are created whole, so this is damage, not a crash: leave the
                // file for a person to look at.
                log.warn("Sample segment {} has no valid header; none of it is loaded", segment.file.getFileName());
                return -1;
            }
            long offset = HEADER;
            while (offset < segment.size) {
                Entry entry = readEntry(channel, offset, segment.size);
                if (entry == null) {
                    return offset;
                }
                segment.entries.add(entry);
                nextSeq = Math.max(nextSeq, entry.head().endSeq());
                lowWater = Math.max(lowWater, entry.head().lowWater());
                offset += SampleRecord.FRAME + entry.head().payloadBytes();
            }
            return offset;
        }
    }

    /** The record at {@code offset}, or null when it is torn or fails its checksum. */
    private Entry readEntry(FileChannel channel, long offset, long size) throws IOException {
        if (size - offset < SampleRecord.FRAME) {
            return null;
        }
        ByteBuffer frame = ByteBuffer.allocate(SampleRecord.FRAME).order(ByteOrder.LITTLE_ENDIAN);
        channel.read(frame, offset);
        frame.flip();
        long length = Integer.toUnsignedLong(frame.getInt());
        int crc = frame.getInt();
        if (length < SampleRecord.HEAD || length > size - offset - SampleRecord.FRAME) {
            return null;
        }
        try {
            SampleRecord.Input in = new SampleRecord.Input(channel, offset + SampleRecord.FRAME, length);
            Head head = in.head();
            if (!head.valid() || head.payloadBytes() != length) {
                return null;
            }
            in.skip(head.xBytes());
            short[] classes = new short[head.count()];
            float[] row = new float[head.ySize()];
            for (int i = 0; i < classes.length; i++) {
                if (head.yKind() == SampleRecord.CLASS_INDEX) {
                    classes[i] = in.getShort();
                    if (classes[i] < 0 || classes[i] >= head.ySize()) {
                        return null;
                    }
                    continue;
                }
                for (int c = 0; c < row.length; c++) {
                    row[c] = in.getFloat();
                }
                classes[i] = head.ySize() == ySize ? classOf(row, 0) : -1;
            }
            if (!in.verify(crc)) {
                return null;
            }
            boolean compatible = head.count() == 0 || (head.xSize() == xSize && head.ySize() == ySize);
            return new Entry(offset, head, classes, compatible);
        }
        catch (SampleRecord.TornRecordException e) {
            return null;
        }
    }

    private static boolean headerValid(FileChannel channel, long number) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        return channel.read(header, 0) == HEADER && Arrays.equals(header.array(), header(number));
    }

    /** A segment's first bytes: magic, format version, its number and their CRC32C. */
    private static byte[] header(long number) {
        ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        header.put(MAGIC).putInt(VERSION).putLong(number);
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, HEADER - 4);
        return header.putInt((int) crc.getValue()).array();
    }

    private void cut(Segment segment, long length) throws IOException {
        try (FileChannel channel = FileChannel.open(segment.file, StandardOpenOption.WRITE)) {
            channel.truncate(length);
            channel.force(true);
        }
        segment.size = length;
    }

    /**
     * Keeps a batch, whole or not at all: one record, forced to the device before this
     * returns. Of a batch larger than {@code maxSamples} only its newest samples are
     * kept.
     * @return how many samples were kept
     * @throws SampleStoreException when the batch could not be written; nothing of it is
     * kept
     */
    public synchronized int append(TrainingData data) {
        if (data.count() == 0 || maxSamples == 0) {
            return 0;
        }
        if (data.xSize() != xSize || data.ySize() != ySize) {
            throw new IllegalArgumentException("samples of " + data.xSize() + "/" + data.ySize()
                    + " values; this store " + "keeps " + xSize + "/" + ySize);
        }
        int from = Math.max(0, data.count() - maxSamples);
        short[] classes = new short[data.count() - from];
        boolean oneHot = targets == Targets.ONE_HOT;
        for (int i = 0; i < classes.length; i++) {
            classes[i] = classOf(data.y(), (from + i) * ySize);
            oneHot &= classes[i] >= 0;
        }
        int kept = data.count() - from;
        // One-hot rows are written as their class index: a short instead of a row of
        // floats.
        write(new Batch(data, from, data.count(), oneHot ? classes : null), nextSeq + kept, classes);
        log.info("Kept {} samples ({} live)", kept, count(Split.ALL));
        return kept;
    }

    /**
     * Drops every sample, durably and from the disk: a record that raises the low water
     * to the next sequence number is written to a new segment first, then every older
     * segment is deleted.
     */
    public synchronized void clear() {
        // In a segment of its own, so that every byte of the samples goes with the old
        // segments.
        current = null;
        write(Batch.NONE, nextSeq, new short[0]);
        for (Segment segment : new ArrayList<>(segments)) {
            if (segment != current) {
                delete(segment);
            }
        }
        log.info("Cleared the sample store");
    }

    /**
     * @param classes each sample's class, for the summary
     */
    private void write(Batch batch, long end, short[] classes) {
        long newLowWater = Math.max(lowWater, batch.count() == 0 ? end : end - maxSamples);
        long keptAt = System.currentTimeMillis();
        try {
            if (current == null || current.size >= SEGMENT_BYTES) {
                current = createSegment();
            }
            long before = current.size;
            Head head;
            try (FileChannel channel = FileChannel.open(current.file, StandardOpenOption.WRITE)) {
                try {
                    head = SampleRecord.append(channel, batch, nextSeq, newLowWater, keptAt);
                }
                catch (IOException | RuntimeException e) {
                    // Nothing of a failed append may stay: cut the file back.
                    channel.truncate(before);
                    throw e;
                }
            }
            current.size += SampleRecord.FRAME + head.payloadBytes();
            current.entries.add(new Entry(before, head, classes, true));
            nextSeq = end;
            lowWater = newLowWater;
            pruneDropped();
        }
        catch (IOException e) {
            throw new SampleStoreException("cannot keep the samples in " + dir, e);
        }
    }

    private Segment createSegment() throws IOException {
        long number = segments.stream().mapToLong(s -> s.number).max().orElse(0) + 1;
        Path file = dir.resolve(String.format("samples-%016d.seg", number));
        Files.createDirectories(dir);
        // AtomicFiles' temp name starts with ".samples-" and ends with ".tmp": open()
        // removes it.
        AtomicFiles.write(file, header(number));
        Segment segment = new Segment(file, number, HEADER);
        segments.add(segment);
        return segment;
    }

    /** Deletes the segments, but the current one, whose samples are all dropped. */
    private void pruneDropped() throws IOException {
        for (Segment segment : new ArrayList<>(segments)) {
            if (segment != current && !segment.entries.isEmpty() && segment.endSeq() <= lowWater) {
                delete(segment);
            }
        }
    }

    private void delete(Segment segment) {
        try {
            Files.deleteIfExists(segment.file);
            AtomicFiles.syncDirectory(dir);
            segments.remove(segment);
        }
        catch (IOException e) {
            throw new SampleStoreException("cannot delete " + segment.file.getFileName(), e);
        }
    }

    /** Whether the sample with this sequence number is held out for validation. */
    boolean isValidation(long seq) {
        // SplitMix64's finalizer: consecutive numbers spread evenly over [0, 1).
        long z = seq + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z = z ^ (z >>> 31);
        return (z >>> 11) * 0x1.0p-53 < validationFraction;
    }

    private boolean wanted(long seq, Split split) {
        return seq >= lowWater && switch (split) {
            case ALL -> true;
            case TRAINING -> !isValidation(seq);
            case VALIDATION -> isValidation(seq);
        };
    }

    private int count(Split split) {
        int n = 0;
        for (Segment segment : segments) {
            for (Entry entry : segment.entries) {
                if (!entry.compatible()) {
                    continue;
                }
                long first = Math.max(entry.head().firstSeq(), lowWater);
                if (split == Split.ALL) {
                    n += (int) Math.max(0, entry.head().endSeq() - first);
                    continue;
                }
                for (long seq = first; seq < entry.head().endSeq(); seq++) {
                    if (wanted(seq, split)) {
                        n++;
                    }
                }
            }
        }
        return n;
    }

    /**
     * The live samples of a split, read back and verified; one-hot targets come back as
     * rows.
     * @return null when the split holds no samples
     * @throws SampleStoreException when a record no longer matches its checksum (the disk
     * changed under the store); nothing is returned then
     */
    public synchronized TrainingData load(Split split) {
        int total = count(split);
        if (total == 0) {
            return null;
        }
        boolean pixels = segments.stream()
            .flatMap(s -> s.entries.stream())
            .filter(e -> e.compatible() && e.head().count() > 0)
            .allMatch(e -> e.head().xKind() == SampleRecord.PIXELS || !overlaps(e, split));
        byte[] bytesOut = pixels ? new byte[total * xSize] : null;
        float[] floatsOut = pixels ? null : new float[total * xSize];
        float[] y = new float[total * ySize];
        int next = 0;
        for (Segment segment : segments) {
            try (FileChannel channel = FileChannel.open(segment.file, StandardOpenOption.READ)) {
                for (Entry entry : segment.entries) {
                    if (entry.compatible() && overlaps(entry, split)) {
                        next = readSamples(channel, entry, split, next, bytesOut, floatsOut, y);
                    }
                }
            }
            catch (IOException e) {
                throw new SampleStoreException("cannot read " + segment.file.getFileName(), e);
            }
        }
        return pixels ? TrainingData.ofPixels(bytesOut, y, total) : TrainingData.ofFloats(floatsOut, y, total);
    }

    private boolean overlaps(Entry entry, Split split) {
        for (long seq = entry.head().firstSeq(); seq < entry.head().endSeq(); seq++) {
            if (wanted(seq, split)) {
                return true;
            }
        }
        return false;
    }

    private int readSamples(FileChannel channel, Entry entry, Split split, int first, byte[] bytesOut,
            float[] floatsOut, float[] y) throws IOException {
        ByteBuffer frame = ByteBuffer.allocate(SampleRecord.FRAME).order(ByteOrder.LITTLE_ENDIAN);
        channel.read(frame, entry.offset());
        int crc = frame.flip().getInt(4);
        Head head = entry.head();
        SampleRecord.Input in = new SampleRecord.Input(channel, entry.offset() + SampleRecord.FRAME,
                head.payloadBytes());
        in.head();
        int next = first;
        for (int i = 0; i < head.count(); i++) {
            boolean take = wanted(head.firstSeq() + i, split);
            for (int v = 0; v < xSize; v++) {
                int at = next * xSize + v;
                if (head.xKind() == SampleRecord.PIXELS) {
                    byte b = in.get();
                    if (take && bytesOut != null) {
                        bytesOut[at] = b;
                    }
                    else if (take) {
                        floatsOut[at] = (b & 0xFF) / 255f;
                    }
                }
                else {
                    float f = in.getFloat();
                    if (take) {
                        floatsOut[at] = f;
                    }
                }
            }
            next += take ? 1 : 0;
        }
        next = first;
        for (int i = 0; i < head.count(); i++) {
            boolean take = wanted(head.firstSeq() + i, split);
            if (head.yKind() == SampleRecord.CLASS_INDEX) {
                short c = in.getShort();
                if (take) {
                    y[next * ySize + c] = 1f;
                }
            }
            else {
                for (int c = 0; c < ySize; c++) {
                    float f = in.getFloat();
                    if (take) {
                        y[next * ySize + c] = f;
                    }
                }
            }
            next += take ? 1 : 0;
        }
        if (!in.verify(crc)) {
            throw new SampleStoreException("a kept record in " + dir + " no longer matches its checksum", null);
        }
        return next;
    }

    /**
     * What the store holds.
     *
     * @param classes live samples per class name (empty for a model without classes)
     * @param otherTargets live samples whose targets name no class (values, soft targets)
     * @param bytes size of the segment files (dropped samples leave the disk with their
     * whole segment)
     * @param lastKept when the newest live batch was kept; null when none is
     */
    public record Summary(int samples, int training, int validation, Map<String, Integer> classes, int otherTargets,
            long bytes, int segments, int maxSamples, double validationFraction, Instant lastKept,
            Recovered recovered) {
    }

    public synchronized Summary summary() {
        int[] counts = new int[classNames.size()];
        int other = 0;
        long bytes = 0;
        long lastKept = -1;
        int all = 0;
        int validation = 0;
        for (Segment segment : segments) {
            bytes += segment.size;
            for (Entry entry : segment.entries) {
                Head head = entry.head();
                if (!entry.compatible()) {
                    continue;
                }
                for (int i = 0; i < head.count(); i++) {
                    long seq = head.firstSeq() + i;
                    if (seq < lowWater) {
                        continue;
                    }
                    all++;
                    if (isValidation(seq)) {
                        validation++;
                    }
                    lastKept = Math.max(lastKept, head.keptAt());
                    short c = entry.classes()[i];
                    if (c >= 0 && c < counts.length) {
                        counts[c]++;
                    }
                    else {
                        other++;
                    }
                }
            }
        }
        Map<String, Integer> classes = new LinkedHashMap<>();
        for (int c = 0; c < counts.length; c++) {
            classes.put(classNames.get(c), counts[c]);
        }
        return new Summary(all, all - validation, validation, classes, other, bytes, segments.size(), maxSamples,
                validationFraction, lastKept < 0 ? null : Instant.ofEpochMilli(lastKept), recovered);
    }

    /** Live samples in a split, without reading them. */
    public synchronized int size(Split split) {
        return count(split);
    }

    public Path dir() {
        return dir;
    }

}
