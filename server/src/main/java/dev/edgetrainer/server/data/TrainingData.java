package dev.edgetrainer.server.data;

import dev.edgetrainer.model.hosting.HostingPlan.Targets;

/**
 * Checked training samples: {@code count} inputs and targets of {@code ySize} floats each
 * (one-hot for classifiers), row-major. IDX uploads keep their unsigned-byte pixels and
 * are scaled to [0, 1] one batch at a time, which saves a float copy four times the
 * upload's size.
 *
 * @param x float inputs, or null when {@code pixels} holds them
 * @param pixels unsigned-byte inputs scaled by 1/255, or null
 */
public record TrainingData(float[] x, byte[] pixels, float[] y, int count) {

    public static TrainingData ofFloats(float[] x, float[] y, int count) {
        return new TrainingData(x, null, y, count);
    }

    public static TrainingData ofPixels(byte[] pixels, float[] y, int count) {
        return new TrainingData(null, pixels, y, count);
    }

    /** Heap the samples take. */
    public long bytes() {
        return ((x != null) ? (long) x.length * Float.BYTES : pixels.length) + (long) y.length * Float.BYTES;
    }

    public int xSize() {
        return (x != null ? x.length : pixels.length) / count;
    }

    public int ySize() {
        return y.length / count;
    }

    /** Copies sample {@code index}'s input to {@code out} at {@code offset}. */
    public void copyX(int index, float[] out, int offset) {
        int size = xSize();
        if (x != null) {
            System.arraycopy(x, index * size, out, offset, size);
            return;
        }
        for (int i = 0, from = index * size; i < size; i++) {
            out[offset + i] = (pixels[from + i] & 0xFF) / 255f;
        }
    }

    /**
     * The class of sample {@code index} as its targets give it: a row's largest value, a
     * class index, or a binary target of exactly 0 or 1; -1 when the targets name no
     * class (values, a soft binary target).
     */
    public int label(int index, Targets targets) {
        int size = ySize();
        return switch (targets) {
            case ONE_HOT -> {
                int best = 0;
                for (int i = 1; i < size; i++) {
                    if (y[index * size + i] > y[index * size + best]) {
                        best = i;
                    }
                }
                yield best;
            }
            case CLASS_INDEX -> (int) y[index];
            case PROBABILITY -> (y[index] == 0f || y[index] == 1f) ? (int) y[index] : -1;
            case VALUES -> -1;
        };
    }

    public void copyY(int index, float[] out, int offset) {
        int size = ySize();
        System.arraycopy(y, index * size, out, offset, size);
    }

    /**
     * At most {@code limit} samples spread evenly over these (every k-th), copied; these
     * themselves when there are no more.
     */
    public TrainingData spread(int limit) {
        if (count <= limit) {
            return this;
        }
        int xSize = xSize();
        int ySize = ySize();
        float[] ys = new float[limit * ySize];
        float[] xs = x != null ? new float[limit * xSize] : null;
        byte[] bytes = x != null ? null : new byte[limit * xSize];
        for (int i = 0; i < limit; i++) {
            int from = (int) ((long) i * count / limit);
            if (xs != null) {
                System.arraycopy(x, from * xSize, xs, i * xSize, xSize);
            }
            else {
                System.arraycopy(pixels, from * xSize, bytes, i * xSize, xSize);
            }
            System.arraycopy(y, from * ySize, ys, i * ySize, ySize);
        }
        return new TrainingData(xs, bytes, ys, limit);
    }

}
