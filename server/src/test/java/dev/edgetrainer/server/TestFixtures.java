package dev.edgetrainer.server;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import javax.imageio.ImageIO;

import dev.edgetrainer.model.graph.MlpModelWriter;
import dev.edgetrainer.model.graph.MlpSpec;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.WeightsFile;

/**
 * Small models, images and IDX files made on the spot, so tests need no downloads and
 * stay fast.
 */
public final class TestFixtures {

    /**
     * A 28x28 -> 16 -> 10 MLP: the default model's signatures at a fraction of its size.
     */
    public static final MlpSpec SMALL = new MlpSpec(new int[] { 28, 28 }, new int[] { 16 }, 10, 0.05f, 1);

    private TestFixtures() {
    }

    public static Path writeModel(Path dir, MlpSpec spec) {
        return writeModel(dir, "model.tflite", MlpModelWriter.write(spec));
    }

    /** Writes model bytes to {@code dir/name}. */
    public static Path writeModel(Path dir, String name, byte[] model) {
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve(name);
            Files.write(file, model);
            return file;
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@link #SMALL} with every role under the given keys (absent roles left out) and
     * tensor-style checkpoints, as Flower's models are laid out.
     */
    public static byte[] withRoles(Map<MlpModelWriter.Role, String> roles) {
        return MlpModelWriter.write(SMALL, MlpModelWriter.initialWeights(SMALL), roles);
    }

    /**
     * {@link #SMALL} checkpointing through its own {@code save(checkpoint_path)} and
     * {@code restore(checkpoint_path)}, the path declared with this shape.
     */
    public static byte[] pathStyle(int... pathShape) {
        return MlpModelWriter.write(SMALL, MlpModelWriter.initialWeights(SMALL), MlpModelWriter.defaultSignatures(),
                MlpModelWriter.Checkpoints.path(pathShape));
    }

    /** Deterministic grayscale "garment": light blob on black, like Fashion-MNIST. */
    public static int[] pixels(int seed) {
        Random random = new Random(seed);
        int[] pixels = new int[28 * 28];
        int cx = 8 + random.nextInt(12);
        int cy = 8 + random.nextInt(12);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                double d = Math.hypot(x - cx, y - cy);
                pixels[y * 28 + x] = d < 6 + seed % 5 ? 150 + random.nextInt(100) : random.nextInt(20);
            }
        }
        return pixels;
    }

    public static byte[] png(int seed) {
        return image(pixels(seed), "png");
    }

    public static byte[] image(int[] pixels, String format) {
        BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < pixels.length; i++) {
            image.getRaster().setSample(i % 28, i / 28, 0, pixels[i]);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, format, out);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** One sample as nested lists for a JSON body, values in [0, 1]. */
    public static List<List<Float>> sample(int seed) {
        int[] pixels = pixels(seed);
        List<List<Float>> rows = new ArrayList<>();
        for (int y = 0; y < 28; y++) {
            List<Float> row = new ArrayList<>();
            for (int x = 0; x < 28; x++) {
                row.add(pixels[y * 28 + x] / 255f);
            }
            rows.add(row);
        }
        return rows;
    }

    public static List<List<List<Float>>> batch(int count) {
        List<List<List<Float>>> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            batch.add(sample(i));
        }
        return batch;
    }

    public static List<Integer> labels(int count) {
        List<Integer> labels = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            labels.add(i % 10);
        }
        return labels;
    }

    public static byte[] idxImages(int count) {
        byte[] data = new byte[count * 784];
        for (int i = 0; i < count; i++) {
            int[] pixels = pixels(i);
            for (int p = 0; p < 784; p++) {
                data[i * 784 + p] = (byte) pixels[p];
            }
        }
        return idx(0x803, new int[] { count, 28, 28 }, data);
    }

    public static byte[] idxLabels(int count) {
        byte[] data = new byte[count];
        for (int i = 0; i < count; i++) {
            data[i] = (byte) (i % 10);
        }
        return idx(0x801, new int[] { count }, data);
    }

    public static byte[] idx(int magic, int[] dims, byte[] data) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(magic);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * A weights file of {@link #SMALL} with one value changed: a different file that
     * still fits the model.
     */
    public static byte[] variant(byte[] weightsFile, int n) {
        Map<String, Tensor> weights = new LinkedHashMap<>(WeightsFile.decode(weightsFile));
        Tensor bias = weights.get("dense/bias");
        float[] values = bias.floats().clone();
        values[0] += n + 1;
        weights.put("dense/bias", Tensor.ofFloats(bias.shape(), values));
        return WeightsFile.encode(weights);
    }

    /** {@code ../shared/models} from the repository root. */
    public static Path sharedModels() {
        return repositoryFile("../shared/models");
    }

    /** A file relative to the repository root (the directory holding mvnw). */
    public static Path repositoryFile(String relative) {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("mvnw"))) {
            dir = dir.getParent();
        }
        return (dir == null ? Path.of("..") : dir).resolve(relative).normalize();
    }

}
