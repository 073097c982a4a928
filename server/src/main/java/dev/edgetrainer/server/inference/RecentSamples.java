package dev.edgetrainer.server.inference;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.function.IntUnaryOperator;

import javax.imageio.ImageIO;

import dev.edgetrainer.server.model.ModelEngine;
import dev.edgetrainer.server.model.ModelInfo;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The last {@link #SIZE} images the device saw, through {@code /infer} (no true label)
 * and {@code /train} (with its label), for the dashboard's grid. A request with many
 * samples contributes up to {@link #SIZE} of them, evenly spread, so one IDX upload fills
 * the grid with its variety rather than with its last images. Kept as 8-bit pixels and
 * only for models whose input is a small grayscale image: never more than
 * {@code SIZE * MAX_PIXELS} bytes.
 */
@Component
public class RecentSamples {

    public static final int SIZE = 25;

    /** Larger images are not kept (the bundled model's are 28x28). */
    static final int MAX_PIXELS = 128 * 128;

    /** Where a sample came from. */
    public enum Source {

        INFER, TRAIN

    }

    /**
     * Copies sample {@code index}'s input, {@code rows * cols} values, to {@code out}.
     */
    @FunctionalInterface
    public interface SampleCopier {

        void copy(int index, float[] out, int offset);

    }

    private final int rows;

    private final int cols;

    private final Deque<Sample> samples = new ArrayDeque<>(SIZE);

    @Autowired
    RecentSamples(ModelEngine engine) {
        this(imageSize(engine.info()));
    }

    private RecentSamples(int[] size) {
        this(size[0], size[1]);
    }

    /** Keeps {@code rows x cols} images; none when rows is 0. */
    RecentSamples(int rows, int cols) {
        this.rows = rows;
        this.cols = cols;
    }

    private static int[] imageSize(ModelInfo info) {
        // The grid is predicted with the infer role: without one, or when it insists on
        // batches of some other size, there is nothing to show.
        return info.imageSize()
            .filter(size -> (long) size[0] * size[1] <= MAX_PIXELS && info.inferSpec().isPresent()
                    && info.fixedBatch() <= 1)
            .orElse(new int[] { 0, 0 });
    }

    /** Whether this model's samples are images small enough to keep. */
    public boolean keepsImages() {
        return rows > 0;
    }

    /**
     * Keeps up to {@link #SIZE} of {@code count} checked samples.
     * @param label the class of a sample, or -1 when unknown
     */
    public void record(Source source, int count, SampleCopier x, IntUnaryOperator label) {
        if (!keepsImages() || count < 1) {
            return;
        }
        int take = Math.min(SIZE, count);
        float[] values = new float[rows * cols];
        List<Sample> picked = new ArrayList<>(take);
        Instant now = Instant.now();
        for (int k = 0; k < take; k++) {
            int index = (int) ((long) k * count / take);
            x.copy(index, values, 0);
            picked.add(new Sample(quantize(values), rows, cols, label.applyAsInt(index), source, now));
        }
        synchronized (samples) {
            for (Sample sample : picked) {
                samples.addFirst(sample);
                if (samples.size() > SIZE) {
                    samples.removeLast();
                }
            }
        }
    }

    /** Newest first. */
    List<Sample> newestFirst() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    private static byte[] quantize(float[] values) {
        byte[] pixels = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            pixels[i] = (byte) Math.round(Math.max(0f, Math.min(1f, values[i])) * 255f);
        }
        return pixels;
    }

    /**
     * @param label the true class, -1 when unknown
     */
    record Sample(byte[] pixels, int rows, int cols, int label, Source source, Instant at) {

        /** The model input it stands for, in [0, 1]. */
        float[] input() {
            float[] values = new float[pixels.length];
            for (int i = 0; i < values.length; i++) {
                values[i] = (pixels[i] & 0xFF) / 255f;
            }
            return values;
        }

        /** As a {@code data:} URL an {@code <img>} shows without another request. */
        String pngDataUrl() {
            BufferedImage image = new BufferedImage(cols, rows, BufferedImage.TYPE_BYTE_GRAY);
            image.getRaster().setDataElements(0, 0, cols, rows, pixels);
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            try {
                ImageIO.write(image, "png", png);
            }
            catch (IOException e) {
                throw new UncheckedIOException("cannot encode a " + cols + "x" + rows + " PNG in memory", e);
            }
            return "data:image/png;base64," + Base64.getEncoder().encodeToString(png.toByteArray());
        }
    }

}
