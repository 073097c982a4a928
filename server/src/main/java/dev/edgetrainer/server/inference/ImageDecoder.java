package dev.edgetrainer.server.inference;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

import dev.edgetrainer.server.model.ModelInfo;
import dev.edgetrainer.server.system.BadInputException;
import dev.edgetrainer.server.system.EdgeProperties.Invert;

/**
 * Turns a PNG or JPEG into one model input: grayscale, padded to a square with its border
 * colour (so a photo is not stretched), area-averaged down to {@code rows x cols}, scaled
 * to [0, 1], and optionally inverted so that the object is light on dark as in
 * Fashion-MNIST. Thread-safe.
 */
public final class ImageDecoder {

    private static final Set<String> FORMATS = Set.of("png", "jpeg");

    static {
        // No temp files: an SD card should not see a write per request.
        ImageIO.setUseCache(false);
    }

    private final int rows;

    private final int cols;

    private final long maxPixels;

    ImageDecoder(int rows, int cols, long maxPixels) {
        this.rows = rows;
        this.cols = cols;
        this.maxPixels = maxPixels;
    }

    /**
     * A decoder for a model that takes grayscale images ([n, h, w] or [n, h, w, 1]);
     * empty for other models.
     */
    public static Optional<ImageDecoder> forModel(ModelInfo info, long maxPixels) {
        return info.imageSize().map(size -> new ImageDecoder(size[0], size[1], maxPixels));
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /**
     * @param field names the part in error messages
     * @return {@code rows * cols} values in [0, 1], row-major
     * @throws BadInputException for anything that is not a readable PNG or JPEG within
     * the pixel limit
     */
    public float[] decode(byte[] bytes, String field, Invert invert) {
        BufferedImage image = read(bytes, field);
        float[] gray = luminance(image);
        int side = Math.max(image.getWidth(), image.getHeight());
        float[] square = pad(gray, image.getWidth(), image.getHeight(), side,
                borderMean(gray, image.getWidth(), image.getHeight()));
        float[] pixels = resize(square, side, side, rows, cols);
        boolean flip = switch (invert) {
            case ALWAYS -> true;
            case NEVER -> false;
            case AUTO -> borderMean(pixels, cols, rows) > 0.5f;
        };
        if (flip) {
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = 1f - pixels[i];
            }
        }
        return pixels;
    }

    private BufferedImage read(byte[] bytes, String field) {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new BadInputException(field, "'" + field + "' is not a PNG or JPEG image");
            }
            ImageReader reader = readers.next();
            try {
                String format = reader.getFormatName().toLowerCase(Locale.ROOT);
                if (!FORMATS.contains(format)) {
                    throw new BadInputException(field,
                            "'" + field + "' is a " + format + " image; only PNG and JPEG are accepted");
                }
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                // Checked from the header before decoding: a few KB of PNG can claim
                // gigapixels.
                if (pixels > maxPixels) {
                    throw new BadInputException(field,
                            "'" + field + "' is " + reader.getWidth(0) + "x" + reader.getHeight(0)
                                    + " pixels; the limit is " + maxPixels + " (edge.limits.max-image-pixels)");
                }
                return reader.read(0);
            }
            finally {
                reader.dispose();
            }
        }
        catch (IOException | RuntimeException e) {
            if (e instanceof BadInputException bad) {
                throw bad;
            }
            throw new BadInputException(field,
                    "'" + field + "' is not a readable PNG or JPEG image: " + e.getMessage());
        }
    }

    /** ITU-R BT.601 luma; transparent pixels count as white background. */
    private static float[] luminance(BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        if (image.getRaster().getNumBands() == 1
                && image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            // Gray samples as stored: getRGB would push them through a gamma conversion
            // and shift every value.
            float max = (1 << image.getColorModel().getComponentSize(0)) - 1;
            float[] out = new float[width * height];
            image.getRaster().getSamples(0, 0, width, height, 0, out);
            for (int i = 0; i < out.length; i++) {
                out[i] /= max;
            }
            return out;
        }
        int[] argb = image.getRGB(0, 0, width, height, null, 0, width);
        float[] out = new float[argb.length];
        boolean alpha = image.getColorModel().hasAlpha();
        for (int i = 0; i < argb.length; i++) {
            int p = argb[i];
            float luma = (0.299f * ((p >> 16) & 0xFF) + 0.587f * ((p >> 8) & 0xFF) + 0.114f * (p & 0xFF)) / 255f;
            float a = alpha ? ((p >>> 24) & 0xFF) / 255f : 1f;
            out[i] = a * luma + (1f - a);
        }
        return out;
    }

    private static float borderMean(float[] pixels, int width, int height) {
        double sum = 0;
        int n = 0;
        for (int x = 0; x < width; x++) {
            sum += pixels[x] + pixels[(height - 1) * width + x];
            n += 2;
        }
        for (int y = 1; y < height - 1; y++) {
            sum += pixels[y * width] + pixels[y * width + width - 1];
            n += 2;
        }
        return (float) (sum / n);
    }

    private static float[] pad(float[] pixels, int width, int height, int side, float background) {
        if (width == side && height == side) {
            return pixels;
        }
        float[] out = new float[side * side];
        Arrays.fill(out, background);
        int left = (side - width) / 2;
        int top = (side - height) / 2;
        for (int y = 0; y < height; y++) {
            System.arraycopy(pixels, y * width, out, (top + y) * side + left, width);
        }
        return out;
    }

    /**
     * Each target pixel is the mean of the source pixels it covers; enlarging repeats
     * pixels.
     */
    static float[] resize(float[] pixels, int width, int height, int targetRows, int targetCols) {
        if (width == targetCols && height == targetRows) {
            return pixels.clone();
        }
        float[] out = new float[targetRows * targetCols];
        for (int ty = 0; ty < targetRows; ty++) {
            int y0 = (int) ((long) ty * height / targetRows);
            int y1 = Math.max(y0 + 1, (int) ((long) (ty + 1) * height / targetRows));
            for (int tx = 0; tx < targetCols; tx++) {
                int x0 = (int) ((long) tx * width / targetCols);
                int x1 = Math.max(x0 + 1, (int) ((long) (tx + 1) * width / targetCols));
                double sum = 0;
                for (int y = y0; y < y1; y++) {
                    for (int x = x0; x < x1; x++) {
                        sum += pixels[y * width + x];
                    }
                }
                out[ty * targetCols + tx] = (float) (sum / ((y1 - y0) * (x1 - x0)));
            }
        }
        return out;
    }

    /**
     * Parses the {@code invert} query parameter, falling back to the configured default.
     */
    public static Invert invert(String value, Invert fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Invert.valueOf(value.trim().toUpperCase(Locale.ROOT));
        }
        catch (IllegalArgumentException e) {
            throw new BadInputException("invert", "invert must be auto, always or never, got '" + value + "'");
        }
    }

}
