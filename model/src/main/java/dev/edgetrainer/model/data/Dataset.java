package dev.edgetrainer.model.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Images with one unsigned-byte label each, e.g. one split of MNIST or Fashion-MNIST. The
 * arrays are not copied; callers hand over ownership. Labels are not checked against any
 * class count, so this works for any IDX pair.
 */
public record Dataset(IdxImages images, byte[] labels) {

    /**
     * Where the Debian package {@code dataset-fashion-mnist} installs the original
     * gzipped IDX files.
     */
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    public Dataset {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(labels, "labels");
        if (images.count() != labels.length) {
            throw new IllegalArgumentException(
                    images.count() + " images but " + labels.length + " labels; they must pair up one to one");
        }
    }

    /**
     * Loads split {@code train} or {@code t10k} from {@code dir} using the original MNIST
     * file names, {@code {split}-images-idx3-ubyte} and
     * {@code {split}-labels-idx1-ubyte}, each optionally gzipped (the {@code .gz} wins
     * when both exist).
     * @throws NoSuchFileException if a file is missing in both forms
     * @throws IdxFormatException if a file is malformed or image and label counts differ
     */
    public static Dataset load(Path dir, String split) throws IOException {
        Objects.requireNonNull(dir, "dir");
        if (!"train".equals(split) && !"t10k".equals(split)) {
            throw new IllegalArgumentException("split must be \"train\" or \"t10k\", got " + split);
        }
        Path imageFile = locate(dir, split + "-images-idx3-ubyte");
        Path labelFile = locate(dir, split + "-labels-idx1-ubyte");
        IdxImages images = IdxReader.readImages(imageFile);
        byte[] labels = IdxReader.readLabels(labelFile);
        // Checked here too so the message can name the two files that disagree.
        if (images.count() != labels.length) {
            throw new IdxFormatException(labelFile.toString(), imageFile + " holds " + images.count() + " images but "
                    + labelFile + " holds " + labels.length + " labels");
        }
        return new Dataset(images, labels);
    }

    private static Path locate(Path dir, String baseName) throws NoSuchFileException {
        Path gzipped = dir.resolve(baseName + ".gz");
        if (Files.isRegularFile(gzipped)) {
            return gzipped;
        }
        Path plain = dir.resolve(baseName);
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        throw new NoSuchFileException(plain.toString(), null, "not found, with or without .gz");
    }

    public int size() {
        return labels.length;
    }

    /**
     * Labels {@code [from, to)} one-hot encoded as a flat {@code (to - from) x classes}
     * array.
     * @throws IllegalArgumentException if a label in the range is not below
     * {@code classes}
     */
    public float[] oneHot(int from, int to, int classes) {
        Objects.checkFromToIndex(from, to, labels.length);
        if (classes <= 0) {
            throw new IllegalArgumentException("classes must be positive, got " + classes);
        }
        float[] out = new float[Math.multiplyExact(to - from, classes)];
        for (int i = from; i < to; i++) {
            int label = labels[i] & 0xFF;
            // Without this check an oversized label would silently set a bit in the next
            // row.
            if (label >= classes) {
                throw new IllegalArgumentException(
                        "label " + label + " at index " + i + " is out of range for " + classes + " classes");
            }
            out[(i - from) * classes + label] = 1f;
        }
        return out;
    }

    // Records compare arrays by identity; compare label contents instead.
    @Override
    public boolean equals(Object o) {
        return o instanceof Dataset other && images.equals(other.images) && Arrays.equals(labels, other.labels);
    }

    @Override
    public int hashCode() {
        return 31 * images.hashCode() + Arrays.hashCode(labels);
    }

    @Override
    public String toString() {
        return "Dataset[" + images + ", " + labels.length + " labels]";
    }
}
