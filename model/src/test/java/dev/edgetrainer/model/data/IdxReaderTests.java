package dev.edgetrainer.model.data;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdxReaderTests {

    private static final int IMAGES = 0x00000803;

    private static final int LABELS = 0x00000801;

    /** Two 2x3 images; 128 and 255 check that pixels are read as unsigned. */
    private static final byte[] PIXELS = { 0, 1, 2, 3, 4, 5, (byte) 128, (byte) 255, 10, 20, 30, 40 };

    @TempDir
    Path dir;

    @Test
    void readsPlainImages() throws IOException {
        Path file = write("images", idx(IMAGES, new int[] { 2, 2, 3 }, PIXELS));

        IdxImages images = IdxReader.readImages(file);

        assertThat(images.count()).isEqualTo(2);
        assertThat(images.rows()).isEqualTo(2);
        assertThat(images.cols()).isEqualTo(3);
        assertThat(images.pixels()).containsExactly(PIXELS);
    }

    @Test
    void detectsGzipByContentNotByName() throws IOException {
        Path gzippedWithoutSuffix = write("images.idx", gzip(idx(IMAGES, new int[] { 2, 2, 3 }, PIXELS)));
        Path plainWithGzSuffix = write("images.gz", idx(IMAGES, new int[] { 2, 2, 3 }, PIXELS));

        assertThat(IdxReader.readImages(gzippedWithoutSuffix).pixels()).containsExactly(PIXELS);
        assertThat(IdxReader.readImages(plainWithGzSuffix).pixels()).containsExactly(PIXELS);
    }

    @Test
    void scalesARangeOfImagesToUnitFloats() throws IOException {
        IdxImages images = IdxReader.readImages(write("images", idx(IMAGES, new int[] { 2, 2, 3 }, PIXELS)));

        assertThat(images.toFloats(1, 2)).containsExactly(128 / 255f, 1f, 10 / 255f, 20 / 255f, 30 / 255f, 40 / 255f);
        assertThat(images.toFloats(0, 2)).hasSize(12).startsWith(0f, 1 / 255f);
        assertThat(images.toFloats(1, 1)).isEmpty();
        assertThatThrownBy(() -> images.toFloats(1, 3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> images.toFloats(-1, 1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void readsPlainAndGzippedLabels() throws IOException {
        byte[] labels = { 9, 0, (byte) 200 };
        Path plain = write("labels", idx(LABELS, new int[] { 3 }, labels));
        Path gzipped = write("labels.gz", gzip(idx(LABELS, new int[] { 3 }, labels)));

        assertThat(IdxReader.readLabels(plain)).containsExactly(labels);
        assertThat(IdxReader.readLabels(gzipped)).containsExactly(labels);
    }

    @Test
    void readsFromAStreamWithoutClosingIt() throws IOException {
        var in = new ByteArrayInputStream(gzip(idx(LABELS, new int[] { 2 }, new byte[] { 4, 2 }))) {
            boolean closed;

            @Override
            public void close() {
                closed = true;
            }
        };

        assertThat(IdxReader.readLabels(in, "stream")).containsExactly(4, 2);
        assertThat(in.closed).isFalse();
    }

    @Test
    void rejectsALabelFileReadAsImages() {
        byte[] labels = idx(LABELS, new int[] { 3 }, new byte[] { 1, 2, 3 });

        assertThatThrownBy(() -> IdxReader.readImages(new ByteArrayInputStream(labels), "swapped.idx"))
            .isInstanceOfSatisfying(IdxFormatException.class, e -> assertThat(e.source()).isEqualTo("swapped.idx"))
            .hasMessageContaining("swapped.idx")
            .hasMessageContaining("wrong magic number 0x00000801 (IDX unsigned byte 1-D labels)")
            .hasMessageContaining("expected 0x00000803 (IDX unsigned byte 3-D images)");
    }

    @Test
    void rejectsAnImageFileReadAsLabels() {
        byte[] images = idx(IMAGES, new int[] { 2, 2, 3 }, PIXELS);

        assertThatThrownBy(() -> IdxReader.readLabels(new ByteArrayInputStream(images), "swapped.idx"))
            .isInstanceOf(IdxFormatException.class)
            .hasMessageContaining("swapped.idx: wrong magic number 0x00000803")
            .hasMessageContaining("expected 0x00000801");
    }

    @Test
    void rejectsSomethingThatIsNotIdxAtAll() {
        byte[] zip = { 'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };

        assertThatThrownBy(() -> IdxReader.readImages(new ByteArrayInputStream(zip), "archive.zip"))
            .isInstanceOf(IdxFormatException.class)
            .hasMessageContaining("archive.zip")
            .hasMessageContaining("wrong magic number 0x504B0304 (not an IDX file)");
    }

    @Test
    void rejectsZeroAndNegativeDimensions() {
        byte[] zeroRows = idx(IMAGES, new int[] { 2, 0, 3 }, new byte[0]);
        byte[] negativeCount = idx(LABELS, new int[] { -5 }, new byte[0]);

        assertThatThrownBy(() -> IdxReader.readImages(new ByteArrayInputStream(zeroRows), "zero.idx"))
            .isInstanceOf(IdxFormatException.class)
            .hasMessageContaining("zero.idx")
            .hasMessageContaining("dimension rows is 0; every dimension must be positive");
        assertThatThrownBy(() -> IdxReader.readLabels(new ByteArrayInputStream(negativeCount), "negative.idx"))
            .isInstanceOf(IdxFormatException.class)
            .hasMessageContaining("negative.idx")
            .hasMessageContaining("dimension count is -5");
    }

    @Test
    void rejectsHeadersDeclaringMoreThan512MiB() {
        // The product of these overflows a long; it must still be caught, not wrap around
        // to something small.
        byte[] hostile = idx(IMAGES, new int[] { Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE },
                new byte[0]);
        byte[] justOver = idx(IMAGES, new int[] { 512 * 1024 + 1, 32, 32 }, new byte[0]);

        assertThatThrownBy(() -> IdxReader.readImages(new ByteArrayInputStream(hostile), "hostile.idx"))
            .isInstanceOf(IdxFormatException.class)
            .hasMessageContaining("hostile.idx")
            .hasMessageContaining("512 MiB");
        assertThatThrownBy(() -> IdxReader.readImages(new ByteArrayInputStream(justOver), "big.idx"))
            .isInstanceOf(IdxFormatException.class)
            .hasMessageContaining("big.idx: header declares count 524289 x rows 32 x cols 32")
            .hasMessageContaining("512 MiB");
    }

    @Test
    void limitsAreCheckedAgainstTheHeaderBeforeAnyDataIsRead() throws IOException {
        // Nothing after the header may be read: this stream fails if it is.
        byte[] header = Arrays.copyOf(idx(IMAGES, new int[] { 680_000, 28, 28 }, new byte[0]), 16);
        InputStream headerOnly = new SequenceInputStream(new ByteArrayInputStream(header), new InputStream() {
            @Override
            public int read() {
                throw new AssertionError("data was read");
            }
        });
        List<Long> allocations = new ArrayList<>();
        IdxLimits limits = new IdxLimits(20_000, allocations::add);

        assertThatThrownBy(() -> IdxReader.readImages(headerOnly, "images", limits))
            .isInstanceOfSatisfying(IdxTooLargeException.class, e -> {
                assertThat(e.source()).isEqualTo("images");
                assertThat(e.count()).isEqualTo(680_000);
                assertThat(e.limit()).isEqualTo(20_000);
            });
        assertThat(allocations).isEmpty();

        IdxImages images = IdxReader
            .readImages(new ByteArrayInputStream(gzip(idx(IMAGES, new int[] { 2, 2, 3 }, PIXELS))), "images", limits);
        assertThat(images.pixels()).containsExactly(PIXELS);
        assertThat(allocations).as("told before the buffer was allocated").containsExactly((long) PIXELS.length);
        assertThatThrownBy(
                () -> IdxReader.readLabels(new ByteArrayInputStream(idx(LABELS, new int[] { 3 }, new byte[3])),
                        "labels", new IdxLimits(2, null)))
            .isInstanceOf(IdxTooLargeException.class);
    }

    @Test
    void rejectsATruncatedHeader() throws IOException {
        byte[] header = Arrays.copyOf(idx(IMAGES, new int[] { 2, 2, 3 }, PIXELS), 7);
        Path empty = write("empty", new byte[0]);

        assertThatThrownBy(() -> IdxReader.readImages(new ByteArrayInputStream(header), "short.idx"))
            .isInstanceOf(IdxFormatException.class)
            .hasMessageContaining("short.idx: truncated: expected 16 header bytes, found 7");
        assertThatThrownBy(() -> IdxReader.readLabels(empty)).isInstanceOf(IdxFormatException.class)
            .hasMessageContaining(empty.toString())
            .hasMessageContaining("truncated: expected 8 header bytes, found 0");
    }

    @Test
    void rejectsTruncatedData() throws IOException {
        byte[] full = idx(IMAGES, new int[] { 2, 2, 3 }, PIXELS);
        Path file = write("cut", Arrays.copyOf(full, full.length - 2));

        assertThatThrownBy(() -> IdxReader.readImages(file)).isInstanceOf(IdxFormatException.class)
            .hasMessageContaining(file.toString())
            .hasMessageContaining("truncated: expected 12 data bytes")
            .hasMessageContaining("found 10");
    }

    @Test
    void rejectsATruncatedGzipStream() throws IOException {
        byte[] noise = new byte[4000];
        new Random(42).nextBytes(noise); // incompressible, so cutting the stream in half
                                         // cuts the data
        byte[] gzipped = gzip(idx(LABELS, new int[] { 4000 }, noise));
        Path cutInData = write("half.gz", Arrays.copyOf(gzipped, gzipped.length / 2));
        Path cutInTrailer = write("notrailer.gz", Arrays.copyOf(gzipped, gzipped.length - 4));

        assertThatThrownBy(() -> IdxReader.readLabels(cutInData)).isInstanceOf(IdxFormatException.class)
            .hasMessageContaining(cutInData.toString())
            .hasMessageContaining("truncated: expected 4000 data bytes")
            .hasMessageContaining("found ");
        assertThatThrownBy(() -> IdxReader.readLabels(cutInTrailer)).isInstanceOf(IdxFormatException.class)
            .hasMessageContaining(cutInTrailer.toString())
            .hasMessageContaining("truncated: the gzip stream ends before its trailer");
    }

    @Test
    void rejectsCorruptGzipData() throws IOException {
        byte[] gzipped = gzip(idx(LABELS, new int[] { 3 }, new byte[] { 1, 2, 3 }));
        gzipped[2] = 7; // compression method 7 is reserved; only 8, deflate, exists
        Path file = write("corrupt.gz", gzipped);

        assertThatThrownBy(() -> IdxReader.readLabels(file)).isInstanceOf(IdxFormatException.class)
            .hasMessageContaining(file.toString())
            .hasMessageContaining("corrupt gzip data");
    }

    @Test
    void rejectsTrailingBytes() throws IOException {
        byte[] images = concat(idx(IMAGES, new int[] { 2, 2, 3 }, PIXELS), new byte[] { 7, 7, 7 });
        Path gzippedLabels = write("labels.gz",
                gzip(concat(idx(LABELS, new int[] { 1 }, new byte[] { 1 }), new byte[1])));

        assertThatThrownBy(() -> IdxReader.readImages(new ByteArrayInputStream(images), "long.idx"))
            .isInstanceOf(IdxFormatException.class)
            .hasMessageContaining("long.idx: 3 unexpected trailing bytes after the 12 data bytes");
        assertThatThrownBy(() -> IdxReader.readLabels(gzippedLabels)).isInstanceOf(IdxFormatException.class)
            .hasMessageContaining(gzippedLabels.toString())
            .hasMessageContaining("1 unexpected trailing byte after");
    }

    @Test
    void loadsASplitPreferringGzippedFiles() throws IOException {
        write("train-images-idx3-ubyte", idx(IMAGES, new int[] { 2, 2, 3 }, PIXELS));
        write("train-labels-idx1-ubyte", idx(LABELS, new int[] { 2 }, new byte[] { 5, 5 }));
        write("train-labels-idx1-ubyte.gz", gzip(idx(LABELS, new int[] { 2 }, new byte[] { 3, 1 })));

        Dataset train = Dataset.load(dir, "train");

        assertThat(train.size()).isEqualTo(2);
        assertThat(train.images().pixels()).containsExactly(PIXELS);
        assertThat(train.labels()).containsExactly(3, 1);
        assertThat(train.oneHot(0, 2, 4)).containsExactly(0, 0, 0, 1, 0, 1, 0, 0);
        assertThat(train.oneHot(1, 2, 2)).containsExactly(0, 1);
    }

    @Test
    void rejectsOneHotLabelsOutsideTheClassCount() {
        Dataset data = new Dataset(new IdxImages(2, 1, 1, new byte[2]), new byte[] { 1, (byte) 200 });

        assertThatThrownBy(() -> data.oneHot(0, 2, 10)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("label 200 at index 1 is out of range for 10 classes");
        assertThatThrownBy(() -> data.oneHot(0, 3, 10)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void rejectsMismatchedImageAndLabelCounts() throws IOException {
        write("t10k-images-idx3-ubyte.gz", gzip(idx(IMAGES, new int[] { 2, 2, 3 }, PIXELS)));
        write("t10k-labels-idx1-ubyte.gz", gzip(idx(LABELS, new int[] { 3 }, new byte[] { 1, 2, 3 })));

        assertThatThrownBy(() -> Dataset.load(dir, "t10k"))
            .isInstanceOfSatisfying(IdxFormatException.class,
                    e -> assertThat(e.source()).endsWith("t10k-labels-idx1-ubyte.gz"))
            .hasMessageContaining("t10k-images-idx3-ubyte.gz holds 2 images")
            .hasMessageContaining("t10k-labels-idx1-ubyte.gz holds 3 labels");
        assertThatThrownBy(() -> new Dataset(new IdxImages(2, 1, 1, new byte[2]), new byte[3]))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("2 images but 3 labels");
    }

    @Test
    void rejectsMissingFilesAndUnknownSplits() throws IOException {
        write("train-images-idx3-ubyte", idx(IMAGES, new int[] { 2, 2, 3 }, PIXELS));

        assertThatThrownBy(() -> Dataset.load(dir, "train")).isInstanceOf(NoSuchFileException.class)
            .hasMessageContaining("train-labels-idx1-ubyte")
            .hasMessageContaining("with or without .gz");
        assertThatThrownBy(() -> Dataset.load(dir, "test")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("\"train\" or \"t10k\"");
    }

    @Test
    void readsTheRealFashionMnistFromTheDebianPackage() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(Dataset.DEBIAN_DIR),
                "needs Debian package dataset-fashion-mnist at /usr/share/datasets/fashion-mnist");

        Dataset train = Dataset.load(Dataset.DEBIAN_DIR, "train");
        Dataset test = Dataset.load(Dataset.DEBIAN_DIR, "t10k");

        assertThat(train.size()).isEqualTo(60_000);
        assertThat(test.size()).isEqualTo(10_000);
        for (Dataset split : new Dataset[] { train, test }) {
            assertThat(split.images().rows()).isEqualTo(28);
            assertThat(split.images().cols()).isEqualTo(28);
            int[] counts = new int[10];
            for (byte label : split.labels()) {
                assertThat(label).isBetween((byte) 0, (byte) 9);
                counts[label]++;
            }
            // Fashion-MNIST is balanced: every class has exactly a tenth of each split.
            assertThat(counts).containsOnly(split.size() / 10);
        }
        assertThat(train.labels()[0]).isEqualTo((byte) 9); // the first training image is
                                                           // an ankle boot
        float[] first = train.images().toFloats(0, 1);
        assertThat(first).hasSize(784);
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float v : first) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertThat(min).isEqualTo(0f); // black background
        assertThat(max).isBetween(0.5f, 1f);
    }

    private Path write(String name, byte[] content) throws IOException {
        return Files.write(dir.resolve(name), content);
    }

    private static byte[] idx(int magic, int[] dims, byte[] data) {
        ByteBuffer buffer = ByteBuffer.allocate(4 + 4 * dims.length + data.length).putInt(magic);
        for (int dim : dims) {
            buffer.putInt(dim);
        }
        return buffer.put(data).array();
    }

    private static byte[] gzip(byte[] content) throws IOException {
        var bytes = new ByteArrayOutputStream();
        try (var out = new GZIPOutputStream(bytes)) {
            out.write(content);
        }
        return bytes.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

}
