package dev.edgetrainer.server;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

import dev.edgetrainer.model.data.IdxImages;
import dev.edgetrainer.model.data.IdxReader;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Request bodies that are small or ordinary on the wire and big once decoded, made on the
 * spot (no big binaries in the repository): PNGs whose header claims many pixels, gzip
 * IDX files whose header claims many images, long JSON arrays, and a phone-sized photo of
 * a real Fashion-MNIST garment.
 */
public final class HostileInputs {

    /** Where the Debian package dataset-fashion-mnist installs the data set. */
    public static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    public static final int GRAY = 0;

    public static final int RGB = 2;

    /** Standard deviation of a photo's sensor noise, in 8-bit levels. */
    static final double NOISE = Double.parseDouble(System.getProperty("noise", "3"));

    private HostileInputs() {
    }

    /**
     * A valid PNG of {@code width x height} black pixels: its size on the wire is about a
     * thousandth of its decoded size.
     * @param colorType {@link #GRAY} or {@link #RGB}, 8 bits per sample
     */
    public static byte[] blankPng(int width, int height, int colorType) {
        try {
            ByteArrayOutputStream png = new ByteArrayOutputStream();
            png.write(new byte[] { (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' });
            ByteArrayOutputStream header = new ByteArrayOutputStream();
            DataOutputStream ihdr = new DataOutputStream(header);
            ihdr.writeInt(width);
            ihdr.writeInt(height);
            ihdr.write(new byte[] { 8, (byte) colorType, 0, 0, 0 });
            chunk(png, "IHDR", header.toByteArray());
            ByteArrayOutputStream compressed = new ByteArrayOutputStream();
            long rowBytes = 1 + (long) width * (colorType == RGB ? 3 : 1);
            try (OutputStream zlib = new DeflaterOutputStream(compressed, new Deflater(9), 1 << 16)) {
                writeZeros(zlib, rowBytes * height);
            }
            chunk(png, "IDAT", compressed.toByteArray());
            chunk(png, "IEND", new byte[0]);
            return png.toByteArray();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void chunk(ByteArrayOutputStream png, String type, byte[] data) throws IOException {
        DataOutputStream out = new DataOutputStream(png);
        out.writeInt(data.length);
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        out.write(name);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }

    /**
     * A gzipped IDX images file whose header declares {@code count} black 28x28 images,
     * all of which follow: 680,000 of them are 533 MB inflated, 518 KB on the wire.
     */
    public static byte[] gzipIdxImages(int count) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(bytes, 1 << 16))) {
            out.writeInt(0x803);
            out.writeInt(count);
            out.writeInt(28);
            out.writeInt(28);
            writeZeros(out, (long) count * 28 * 28);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** A gzipped IDX labels file of {@code count} zeros. */
    public static byte[] gzipIdxLabels(int count) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(bytes))) {
            out.writeInt(0x801);
            out.writeInt(count);
            writeZeros(out, count);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void writeZeros(OutputStream out, long count) throws IOException {
        byte[] zeros = new byte[1 << 16];
        for (long left = count; left > 0; left -= zeros.length) {
            out.write(zeros, 0, (int) Math.min(zeros.length, left));
        }
    }

    /** {@code {"<field>": [0,0,...,0]}} of about {@code bytes} bytes. */
    public static byte[] jsonZeros(String field, int bytes) {
        String open = "{\"" + field + "\":[";
        int values = (bytes - open.length() - 2) / 2;
        StringBuilder json = new StringBuilder(bytes).append(open);
        for (int i = 0; i < values; i++) {
            json.append(i == 0 ? "0" : ",0");
        }
        return json.append("]}").toString().getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Skips the test when Fashion-MNIST's test set from the Debian package
     * dataset-fashion-mnist is not installed (CI installs it).
     */
    public static void assumeFashionMnist() {
        assumeTrue(Files.isReadable(FASHION_MNIST.resolve("t10k-images-idx3-ubyte.gz")),
                "needs Fashion-MNIST from the Debian package dataset-fashion-mnist at " + FASHION_MNIST);
    }

    /**
     * Image {@code index} of the Fashion-MNIST test set as 784 gray values (0-255); skips
     * the test when the Debian package is not installed.
     */
    public static int[] fashionMnistTestImage(int index) {
        assumeFashionMnist();
        IdxImages all = TestSet.IMAGES;
        int[] pixels = new int[all.rows() * all.cols()];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = all.pixels()[index * pixels.length + i] & 0xFF;
        }
        return pixels;
    }

    /** The label of test image {@code index}, 0-9. */
    public static int fashionMnistTestLabel(int index) {
        assumeFashionMnist();
        return TestSet.LABELS[index];
    }

    /** The test set, read once on first use (the images inflate to 7.8 MB). */
    private static final class TestSet {

        static final IdxImages IMAGES;

        static final byte[] LABELS;

        static {
            try {
                IMAGES = IdxReader.readImages(FASHION_MNIST.resolve("t10k-images-idx3-ubyte.gz"));
                LABELS = IdxReader.readLabels(FASHION_MNIST.resolve("t10k-labels-idx1-ubyte.gz"));
            }
            catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

    }

    /**
     * A phone-sized photo of a garment: a 4000x3000 JPEG (12 megapixels, about 1.6 MB at
     * quality 0.9), the 28x28 garment scaled up smoothly to the photo's height, centred,
     * with some sensor noise.
     */
    public static byte[] phonePhoto(int[] garment) {
        BufferedImage small = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < garment.length; i++) {
            small.setRGB(i % 28, i / 28, new Color(garment[i], garment[i], garment[i]).getRGB());
        }
        BufferedImage photo = new BufferedImage(4000, 3000, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = photo.createGraphics();
        g.setColor(Color.BLACK);
        g.fillRect(0, 0, 4000, 3000);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(small, 500, 0, 3000, 3000, null);
        g.dispose();
        byte[] samples = ((DataBufferByte) photo.getRaster().getDataBuffer()).getData();
        Random noise = new Random(12);
        for (int i = 0; i < samples.length; i++) {
            int v = (samples[i] & 0xFF) + (int) Math.round(noise.nextGaussian() * NOISE);
            samples[i] = (byte) Math.max(0, Math.min(255, v));
        }
        return jpeg(photo, 0.9f);
    }

    private static byte[] jpeg(BufferedImage image, float quality) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.write(null, new IIOImage(image, null, null), param);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    /** A multipart/form-data body built part by part, names may repeat. */
    public static final class Multipart {

        private final String boundary = "edge-test-boundary-7d1f";

        private final ByteArrayOutputStream body = new ByteArrayOutputStream();

        public Multipart file(String name, String filename, byte[] data) {
            return part("Content-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename
                    + "\"\r\nContent-Type: application/octet-stream", data);
        }

        public Multipart field(String name, String value) {
            return part("Content-Disposition: form-data; name=\"" + name + "\"",
                    value.getBytes(StandardCharsets.UTF_8));
        }

        private Multipart part(String headers, byte[] data) {
            body.writeBytes(("--" + boundary + "\r\n" + headers + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(data);
            body.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        public String contentType() {
            return "multipart/form-data; boundary=" + boundary;
        }

        public byte[] bytes() {
            ByteArrayOutputStream all = new ByteArrayOutputStream(body.size() + 64);
            all.writeBytes(body.toByteArray());
            all.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
            return all.toByteArray();
        }

    }

}
