package dev.edgetrainer.server.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dev.edgetrainer.model.hosting.HostingPlan.Targets;
import dev.edgetrainer.server.data.SampleStore.Split;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The sample store on real files: what is kept comes back exactly, bounded, split the
 * same way on every start, and a segment cut or altered at any byte never yields a sample
 * that was not written whole.
 */
class SampleStoreTests {

    private static final int X = 6;

    private static final int Y = 4;

    static final List<String> CLASSES = List.of("a", "b", "c", "d");

    /** A segment's header: magic, version, number, checksum. */
    private static final int HEADER = 24;

    @TempDir
    Path dir;

    private SampleStore open(int max, double validation) {
        SampleStore store = new SampleStore(dir, max, validation, X, Y, Targets.ONE_HOT, CLASSES);
        store.open();
        return store;
    }

    /**
     * {@code count} 8-bit samples whose pixels encode {@code batch} and their position.
     */
    static TrainingData pixels(int batch, int count) {
        byte[] x = new byte[count * X];
        float[] y = new float[count * Y];
        for (int i = 0; i < count; i++) {
            x[i * X] = (byte) batch;
            x[i * X + 1] = (byte) (batch >> 8);
            x[i * X + 2] = (byte) i;
            for (int v = 3; v < X; v++) {
                x[i * X + v] = (byte) (batch * 7 + i * 3 + v);
            }
            y[i * Y + (batch + i) % Y] = 1f;
        }
        return TrainingData.ofPixels(x, y, count);
    }

    static TrainingData floats(int count, boolean oneHot) {
        float[] x = new float[count * X];
        float[] y = new float[count * Y];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i) * 3.5f;
        }
        for (int i = 0; i < count; i++) {
            if (oneHot) {
                y[i * Y + i % Y] = 1f;
            }
            else {
                y[i * Y] = 0.25f;
                y[i * Y + 1] = 0.75f;
            }
        }
        return TrainingData.ofFloats(x, y, count);
    }

    @Test
    void keepsBatchesWholeAndReadsThemBackExactlyAfterAReopen() {
        SampleStore store = open(1000, 0);
        assertThat(store.load(Split.ALL)).isNull();
        assertThat(store.append(pixels(1, 5))).isEqualTo(5);
        assertThat(store.append(pixels(2, 3))).isEqualTo(3);
        TrainingData pixels = open(1000, 0).load(Split.ALL);
        assertThat(pixels.count()).isEqualTo(8);
        assertThat(pixels.pixels()).as("8-bit samples stay 8-bit")
            .isEqualTo(concat(pixels(1, 5).pixels(), pixels(2, 3).pixels()));
        assertThat(pixels.y()).isEqualTo(concat(pixels(1, 5).y(), pixels(2, 3).y()));

        store = open(1000, 0);
        store.append(floats(4, false));
        TrainingData mixed = open(1000, 0).load(Split.ALL);
        assertThat(mixed.pixels()).as("with float samples among them, all come back as floats").isNull();
        assertThat(Arrays.copyOfRange(mixed.x(), 8 * X, 12 * X)).isEqualTo(floats(4, false).x());
        assertThat(mixed.x()[2]).isEqualTo(0f);
        assertThat(mixed.x()[3]).isEqualTo((byte) (7 + 3) / 255f);
        assertThat(Arrays.copyOfRange(mixed.y(), 8 * Y, 12 * Y)).isEqualTo(floats(4, false).y());
        assertThat(Files.exists(dir.resolve("samples-0000000000000002.seg")))
            .as("appends after an opening go to a new segment")
            .isTrue();
    }

    @Test
    void dropsTheOldestBeyondMaxSamplesForGood() {
        SampleStore store = open(10, 0);
        store.append(pixels(1, 6));
        store.append(pixels(2, 6));
        TrainingData live = store.load(Split.ALL);
        assertThat(live.count()).isEqualTo(10);
        assertThat(Arrays.copyOfRange(live.pixels(), 0, 4 * X)).as("the two oldest samples of batch 1 are gone")
            .isEqualTo(Arrays.copyOfRange(pixels(1, 6).pixels(), 2 * X, 6 * X));
        assertThat(store.append(pixels(3, 25))).as("of a batch over the bound, its newest samples").isEqualTo(10);
        assertThat(store.load(Split.ALL).pixels())
            .isEqualTo(Arrays.copyOfRange(pixels(3, 25).pixels(), 15 * X, 25 * X));
        assertThat(open(100, 0).load(Split.ALL).count()).as("raising the bound brings nothing back").isEqualTo(10);
    }

    @Test
    void deletesSegmentsWhoseSamplesWereAllDropped() throws IOException {
        SampleStore store = open(10, 0);
        store.append(pixels(1, 10));
        store = open(10, 0);
        store.append(pixels(2, 10));
        store = open(10, 0);
        store.append(pixels(3, 1));
        assertThat(segments()).as("segment 1 held only dropped samples").hasSize(2);
        assertThat(store.load(Split.ALL).count()).isEqualTo(10);
    }

    @Test
    void holdsOutTheSameValidationSamplesOnEveryOpening() {
        SampleStore store = open(100_000, 0.1);
        for (int b = 0; b < 50; b++) {
            store.append(pixels(b, 200));
        }
        int validation = store.size(Split.VALIDATION);
        assertThat(validation).isBetween(900, 1100);
        assertThat(store.size(Split.TRAINING)).isEqualTo(10_000 - validation);
        TrainingData held = store.load(Split.VALIDATION);
        SampleStore reopened = open(100_000, 0.1);
        assertThat(reopened.load(Split.VALIDATION).pixels()).isEqualTo(held.pixels());
        List<String> training = samples(reopened.load(Split.TRAINING));
        assertThat(training).doesNotContainAnyElementsOf(samples(held)).hasSize(10_000 - validation);
    }

    @Test
    void countsClassesBytesAndValidationInItsSummary() {
        SampleStore store = open(100, 0.5);
        store.append(floats(8, true));
        store.append(floats(3, false));
        SampleStore.Summary summary = store.summary();
        assertThat(summary.samples()).isEqualTo(11);
        assertThat(summary.classes()).containsExactly(Map.entry("a", 2), Map.entry("b", 2), Map.entry("c", 2),
                Map.entry("d", 2));
        assertThat(summary.otherTargets()).isEqualTo(3);
        assertThat(summary.validation() + summary.training()).isEqualTo(11);
        assertThat(summary.bytes()).isEqualTo(segments().stream().mapToLong(SampleStoreTests::size).sum());
        assertThat(summary.lastKept()).isNotNull();
    }

    @Test
    void clearDropsEverythingDurablyAndKeepingGoesOn() {
        SampleStore store = open(100, 0);
        store.append(pixels(1, 5));
        store = open(100, 0);
        store.append(pixels(2, 5));
        store.clear();
        assertThat(store.load(Split.ALL)).isNull();
        assertThat(segments()).as("only the one that records the clear").hasSize(1);
        assertThat(open(100, 0).summary().samples()).isZero();
        assertThat(segments()).as("an opening removes what holds no live sample").isEmpty();
        store = open(100, 0);
        store.append(pixels(3, 2));
        assertThat(open(100, 0).load(Split.ALL).pixels()).isEqualTo(pixels(3, 2).pixels());
    }

    @Test
    void removesItsOwnTempFilesAndNothingElse() throws IOException {
        Files.writeString(dir.resolve(".samples-0000000000000001.seg.1234.tmp"), "torn");
        Files.writeString(dir.resolve("notes.txt"), "mine");
        Files.writeString(dir.resolve(".bashrc"), "mine too");
        open(10, 0);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("notes.txt", ".bashrc");
        }
    }

    @Test
    void samplesOfAnotherShapeAreRefusedAndNotLoaded() {
        SampleStore store = open(10, 0);
        assertThatThrownBy(() -> store.append(TrainingData.ofFloats(new float[5], new float[4], 1)))
            .isInstanceOf(IllegalArgumentException.class);
        store.append(pixels(1, 2));
        assertThat(new SampleStore(dir, 10, 0, X + 1, Y, Targets.ONE_HOT, CLASSES)).satisfies(SampleStore::open)
            .extracting(s -> s.load(Split.ALL))
            .isNull();
    }

    @Test
    void aSegmentCutAtAnyByteLoadsExactlyTheRecordsWrittenWholeBeforeTheCut() throws IOException {
        List<Long> ends = writeThreeRecords();
        Path segment = segments().get(0);
        byte[] whole = Files.readAllBytes(segment);
        for (int cut = 0; cut < whole.length; cut++) {
            Files.write(segment, Arrays.copyOf(whole, cut));
            int expected = 0;
            while (expected < ends.size() && ends.get(expected) <= cut) {
                expected++;
            }
            SampleStore store = open(1000, 0);
            assertThat(loadedBatches(store)).as("cut at %d", cut).isEqualTo(batches(expected));
            long good = cut < HEADER ? cut : expected == 0 ? HEADER : ends.get(expected - 1);
            assertThat(size(segment)).as("the torn tail is cut off at %d", cut).isEqualTo(good);
            store.append(pixels(9, 9));
            assertThat(loadedBatches(open(1000, 0))).as("keeping goes on after a cut at %d", cut)
                .isEqualTo(concat(batches(expected), List.of(9)));
            deleteAllBut(segment);
        }
    }

    @Test
    void aByteAlteredAnywhereNeverLoadsTheRecordItBelongsTo() throws IOException {
        List<Long> ends = writeThreeRecords();
        Path segment = segments().get(0);
        byte[] whole = Files.readAllBytes(segment);
        for (int at = 0; at < whole.length; at++) {
            byte[] altered = whole.clone();
            altered[at] ^= (byte) (1 << (at % 8));
            Files.write(segment, altered);
            int expected = 0;
            if (at >= HEADER) {
                while (expected < ends.size() && ends.get(expected) <= at) {
                    expected++;
                }
            }
            assertThat(loadedBatches(open(1000, 0))).as("byte %d altered", at).isEqualTo(batches(expected));
            deleteAllBut(segment);
        }
    }

    /**
     * Three records of batches 1, 2, 3 in one segment; returns each record's end offset.
     */
    private List<Long> writeThreeRecords() {
        SampleStore store = open(1000, 0);
        List<Long> ends = new ArrayList<>();
        for (int b = 1; b <= 3; b++) {
            store.append(pixels(b, b));
            ends.add(size(segments().get(0)));
        }
        return ends;
    }

    private static List<Integer> batches(int upTo) {
        List<Integer> batches = new ArrayList<>();
        for (int b = 1; b <= upTo; b++) {
            batches.add(b);
        }
        return batches;
    }

    /** The batch numbers loaded, each once, checking every batch came back whole. */
    static List<Integer> loadedBatches(SampleStore store) {
        TrainingData all = store.load(Split.ALL);
        List<Integer> batches = new ArrayList<>();
        if (all == null) {
            return batches;
        }
        for (int i = 0; i < all.count();) {
            int batch = (all.pixels()[i * X] & 0xFF) | (all.pixels()[i * X + 1] & 0xFF) << 8;
            TrainingData expected = pixels(batch, batch);
            int count = batch;
            assertThat(Arrays.copyOfRange(all.pixels(), i * X, (i + count) * X)).as("batch %d comes back whole", batch)
                .isEqualTo(expected.pixels());
            batches.add(batch);
            i += count;
        }
        return batches;
    }

    private void deleteAllBut(Path keep) throws IOException {
        for (Path file : segments()) {
            if (!file.equals(keep)) {
                Files.delete(file);
            }
        }
    }

    private List<Path> segments() {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".seg")).sorted().toList();
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> samples(TrainingData data) {
        List<String> samples = new ArrayList<>();
        for (int i = 0; i < data.count(); i++) {
            samples.add(Arrays.toString(Arrays.copyOfRange(data.pixels(), i * X, (i + 1) * X)));
        }
        return samples;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

}
