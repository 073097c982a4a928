package dev.edgetrainer.server.inference;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageInputStreamImpl;

import dev.edgetrainer.server.model.ModelInfo;
import dev.edgetrainer.server.system.BadInputException;
import dev.edgetrainer.server.system.EdgeException;
import dev.edgetrainer.server.system.EdgeProperties.Invert;
import dev.edgetrainer.server.system.RequestMemory;

/**
 * Turns a PNG or JPEG into one model input: grayscale, padded to a square with its border
 * colour (so a photo is not stretched), area-averaged down to {@code rows x cols}, scaled
 * to [0, 1], and optionally inverted so that the object is light on dark as in
 * Fashion-MNIST. A large image is decoded with subsampling, to a few times the input size
 * ({@link #OVERSAMPLING}), so a 12-megapixel phone photo costs kilobytes of heap, not
 * tens of megabytes; the decoder's own working memory (a few rows of the full width) is
 * reserved from the request's {@link RequestMemory} before it decodes. Thread-safe.
 */
public final class ImageDecoder {

    /**
     * A subsampled image keeps at least this many source pixels per input pixel along its
     * longer side, for the area averaging to smooth over.
     */
    static final int OVERSAMPLING = 8;

    /**
     * What a decoder may hold per row of the full width: PNG keeps the current and the
     * previous row and a row of samples.
     */
    private static final int ROWS_HELD = 3;

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
     * @throws dev.edgetrainer.server.system.InputTooLargeException when decoding it needs
     * more memory than a request may use
     */
    public float[] decode(byte[] bytes, String field, Invert invert) {
        BufferedImage image = read(bytes, field);
        int width = image.getWidth();
        int height = image.getHeight();
        float[] gray = luminance(image);
        float background = borderMean(gray, width, height);
        // A photo larger than the input is framed by its photographer; the model knows
        // garments that fill the frame, as Fashion-MNIST's were trimmed to fill theirs.
        Region region = (width > cols || height > rows) ? Region.content(gray, width, height, background)
                : new Region(0, 0, width, height);
        float[] pixels = squareResized(gray, width, region, background, rows, cols);
        boolean flip = switch (invert) {
            case ALWAYS -> true;
            case NEVER -> false;
            // The whole image's border: once cropped to its content, the input's border
            // may be the object.
            case AUTO -> background > 0.5f;
        };
        if (flip) {
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = 1f - pixels[i];
            }
        }
        return pixels;
    }

    private BufferedImage read(byte[] bytes, String field) {
        try (ImageInputStream in = new BytesImageInputStream(bytes)) {
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
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                // Checked from the header before decoding: a few KB of PNG can claim
                // gigapixels.
                if ((long) width * height > maxPixels) {
                    throw new BadInputException(field, "'" + field + "' is " + width + "x" + height
                            + " pixels; the limit is " + maxPixels + " (edge.limits.max-image-pixels)");
                }
                int step = subsampling(width, height);
                ImageReadParam param = reader.getDefaultReadParam();
                param.setSourceSubsampling(step, step, 0, 0);
                long sampled = (long) ceilDiv(width, step) * ceilDiv(height, step);
                int bytesPerPixel = bytesPerPixel(reader);
                // The decoded image, its gray values and the ARGB copy they may come
                // from, and the decoder's rows of the full width.
                RequestMemory.current()
                    .reserve(sampled * (bytesPerPixel + 2L * Float.BYTES) + ROWS_HELD * (long) width * bytesPerPixel,
                            field, "decoding the " + width + "x" + height + " image '" + field + "'");
                return reader.read(0, param);
            }
            finally {
                reader.dispose();
            }
        }
        catch (IOException | RuntimeException e) {
            if (e instanceof EdgeException edge) {
                throw edge;
            }
            throw new BadInputException(field,
                    "'" + field + "' is not a readable PNG or JPEG image: " + e.getMessage());
        }
    }

    /**
     * Every how many source pixels one is decoded: enough of them to smooth over, few
     * enough that a phone photo decodes to kilobytes.
     */
    private int subsampling(int width, int height) {
        return Math.max(1, Math.max(width, height) / (OVERSAMPLING * Math.max(rows, cols)));
    }

    private static int ceilDiv(int value, int divisor) {
        return (value + divisor - 1) / divisor;
    }

    /** Bytes per pixel of what the reader decodes to (8 for 16-bit RGBA, 1 for gray). */
    private static int bytesPerPixel(ImageReader reader) throws IOException {
        Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
        if (!types.hasNext()) {
            return Long.BYTES;
        }
        int bits = 0;
        for (int size : types.next().getSampleModel().getSampleSize()) {
            bits += size;
        }
        return Math.max(1, (bits + 7) / 8);
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

    /**
     * A rectangle of the image.
     */
    record Region(int x, int y, int width, int height) {

        /**
         * Differs from the background by this much (of the [0, 1] range) to count as the
         * object rather than its surroundings.
         */
        static final float CONTENT_THRESHOLD = 0.1f;

        /**
         * The bounding box of what differs from the background; the whole image if none
         * does.
         */
        static Region content(float[] pixels, int width, int height, float background) {
            int left = width;
            int right = -1;
            int top = height;
            int bottom = -1;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    if (Math.abs(pixels[y * width + x] - background) > CONTENT_THRESHOLD) {
                        left = Math.min(left, x);
                        right = Math.max(right, x);
                        top = Math.min(top, y);
                        bottom = Math.max(bottom, y);
                    }
                }
            }
            return (right < 0) ? new Region(0, 0, width, height)
                    : new Region(left, top, right - left + 1, bottom - top + 1);
        }
    }

    /**
     * {@code region} of the image centred on a square of {@code background} as wide as
     * its longer side, area-averaged to {@code targetRows x targetCols}. The square is
     * never built: a pixel outside the region is the background.
     * @param stride the width of the whole image
     */
    static float[] squareResized(float[] pixels, int stride, Region region, float background, int targetRows,
            int targetCols) {
        int width = region.width();
        int height = region.height();
        int side = Math.max(width, height);
        int left = (side - width) / 2;
        int top = (side - height) / 2;
        float[] out = new float[targetRows * targetCols];
        for (int ty = 0; ty < targetRows; ty++) {
            int y0 = (int) ((long) ty * side / targetRows);
            int y1 = Math.max(y0 + 1, (int) ((long) (ty + 1) * side / targetRows));
            for (int tx = 0; tx < targetCols; tx++) {
                int x0 = (int) ((long) tx * side / targetCols);
                int x1 = Math.max(x0 + 1, (int) ((long) (tx + 1) * side / targetCols));
                double sum = 0;
                for (int y = y0; y < y1; y++) {
                    int row = y - top;
                    for (int x = x0; x < x1; x++) {
                        int column = x - left;
                        boolean inside = row >= 0 && row < height && column >= 0 && column < width;
                        sum += inside ? pixels[(region.y() + row) * stride + region.x() + column] : background;
                    }
                }
                out[ty * targetCols + tx] = (float) (sum / ((long) (y1 - y0) * (x1 - x0)));
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

    /**
     * The encoded image read in place: ImageIO's own streams would cache a copy of it.
     */
    private static final class BytesImageInputStream extends ImageInputStreamImpl {

        private final byte[] bytes;

        BytesImageInputStream(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public int read() {
            bitOffset = 0;
            return (streamPos < bytes.length) ? bytes[(int) streamPos++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            bitOffset = 0;
            if (streamPos >= bytes.length) {
                return -1;
            }
            int n = (int) Math.min(length, bytes.length - streamPos);
            System.arraycopy(bytes, (int) streamPos, buffer, offset, n);
            streamPos += n;
            return n;
        }

        @Override
        public long length() {
            return bytes.length;
        }

    }

}
