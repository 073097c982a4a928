package dev.edgetrainer.server.federated;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Arrays;

import dev.edgetrainer.model.data.Dataset;
import dev.edgetrainer.model.data.IdxImages;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Assumptions;

/**
 * Real Fashion-MNIST (Debian's dataset-fashion-mnist), cut into IDX files for devices
 * that each see only some classes.
 */
final class FleetData {

    private static Dataset train;

    private static Dataset test;

    private FleetData() {
    }

    static void assumeAvailable() {
        Assumptions.assumeTrue(Files.isDirectory(Dataset.DEBIAN_DIR),
                "needs Debian package dataset-fashion-mnist at " + Dataset.DEBIAN_DIR + " (CI installs it)");
    }

    static synchronized Dataset train() {
        if (train == null) {
            train = load("train");
        }
        return train;
    }

    static synchronized Dataset test() {
        if (test == null) {
            test = load("t10k");
        }
        return test;
    }

    private static Dataset load(String split) {
        try {
            return Dataset.load(Dataset.DEBIAN_DIR, split);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** IDX images and labels: the first {@code perClass} samples of each class given. */
    static Idx split(Dataset data, int perClass, int... classes) {
        int[] taken = new int[10];
        int size = data.images().rows() * data.images().cols();
        int total = perClass * classes.length;
        byte[] pixels = new byte[total * size];
        byte[] labels = new byte[total];
        int n = 0;
        for (int i = 0; i < data.size() && n < total; i++) {
            int label = data.labels()[i];
            if (Arrays.stream(classes).anyMatch(c -> c == label) && taken[label] < perClass) {
                taken[label]++;
                System.arraycopy(data.images().pixels(), i * size, pixels, n * size, size);
                labels[n++] = (byte) label;
            }
        }
        return idx(Arrays.copyOf(pixels, n * size), Arrays.copyOf(labels, n), data.images().rows(),
                data.images().cols());
    }

    static Idx all(Dataset data) {
        return idx(data.images().pixels(), data.labels(), data.images().rows(), data.images().cols());
    }

    private static Idx idx(byte[] pixels, byte[] labels, int rows, int cols) {
        return new Idx(TestFixtures.idx(0x803, new int[] { labels.length, rows, cols }, pixels),
                TestFixtures.idx(0x801, new int[] { labels.length }, labels),
                new Dataset(new IdxImages(labels.length, rows, cols, pixels), labels));
    }

    /**
     * One set of samples as the two IDX files /train and /evaluate take, and as the model
     * module reads them.
     */
    record Idx(byte[] images, byte[] labels, Dataset data) {

        int count() {
            return data.size();
        }

    }

}
