package dev.edgetrainer.model.data;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * A small learnable stand-in for Fashion-MNIST, written as gzipped IDX files with
 * Debian's file names: each class lights a different horizontal band of a noisy 28x28
 * image.
 */
public final class SyntheticImages {

    private SyntheticImages() {
    }

    /**
     * Writes {@code train} and {@code t10k} splits into {@code dir}; returns {@code dir}.
     */
    public static Path write(Path dir, int trainCount, int testCount, long seed) throws IOException {
        Random random = new Random(seed);
        writeSplit(dir, "train", trainCount, random);
        writeSplit(dir, "t10k", testCount, random);
        return dir;
    }

    private static void writeSplit(Path dir, String split, int count, Random random) throws IOException {
        byte[] pixels = new byte[count * 784];
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++) {
            int label = random.nextInt(10);
            labels[i] = (byte) label;
            for (int p = 0; p < 784; p++) {
                int row = p / 28;
                boolean band = row >= label * 2 + 4 && row < label * 2 + 7;
                pixels[i * 784 + p] = (byte) (band ? 200 + random.nextInt(56) : random.nextInt(60));
            }
        }
        gzip(dir.resolve(split + "-images-idx3-ubyte.gz"),
                ByteBuffer.allocate(16 + pixels.length)
                    .putInt(0x803)
                    .putInt(count)
                    .putInt(28)
                    .putInt(28)
                    .put(pixels)
                    .array());
        gzip(dir.resolve(split + "-labels-idx1-ubyte.gz"),
                ByteBuffer.allocate(8 + count).putInt(0x801).putInt(count).put(labels).array());
    }

    private static void gzip(Path file, byte[] content) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(content);
        }
    }

}
