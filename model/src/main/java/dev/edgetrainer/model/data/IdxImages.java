package dev.edgetrainer.model.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * {@code count} greyscale images of {@code rows x cols} unsigned-byte pixels, stored
 * row-major one image after another. The pixel array is not copied (the full
 * Fashion-MNIST training set is 47 MB); callers hand over ownership and must not modify
 * it.
 */
public record IdxImages(int count, int rows, int cols, byte[] pixels) {

    public IdxImages {
        Objects.requireNonNull(pixels, "pixels");
        if (count < 0 || rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("invalid image dimensions " + count + " x " + rows + " x " + cols);
        }
        long expected = (long) count * rows * cols;
        if (pixels.length != expected) {
            throw new IllegalArgumentException(
                    count + " x " + rows + " x " + cols + " images need " + expected + " pixels, got " + pixels.length);
        }
    }

    /**
     * Images {@code [from, to)} as one flat row-major array with every pixel scaled to
     * [0, 1].
     */
    public float[] toFloats(int from, int to) {
        Objects.checkFromToIndex(from, to, count);
        int imageSize = rows * cols;
        int start = from * imageSize;
        float[] out = new float[(to - from) * imageSize];
        for (int i = 0; i < out.length; i++) {
            out[i] = (pixels[start + i] & 0xFF) / 255f;
        }
        return out;
    }

    // Records compare arrays by identity; compare pixel contents instead.
    @Override
    public boolean equals(Object o) {
        return o instanceof IdxImages other && count == other.count && rows == other.rows && cols == other.cols
                && Arrays.equals(pixels, other.pixels);
    }

    @Override
    public int hashCode() {
        return 31 * Objects.hash(count, rows, cols) + Arrays.hashCode(pixels);
    }

    @Override
    public String toString() {
        return "IdxImages[" + count + " x " + rows + " x " + cols + "]";
    }
}
