package dev.edgetrainer.server.bench;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import javax.imageio.ImageIO;

import dev.edgetrainer.model.data.Dataset;
import dev.edgetrainer.model.runtime.TrainableModel;
import dev.edgetrainer.model.tensor.Tensor;

/**
 * Helper for {@code server/src/bench/bench.sh} and {@code examples.sh}, run there with
 * the jar's own libraries on the class path
 * ({@code java -cp 'lib/*' .../BenchHelper.java}). It lives among the tests so the build
 * compiles it and {@link BenchHelperTests} runs it:
 * <ul>
 * <li>{@code data DIR}: writes the first Fashion-MNIST test images as PNGs</li>
 * <li>{@code train MODEL SECONDS}: calls train in-process on 100-sample batches and
 * prints samples/s</li>
 * </ul>
 */
public final class BenchHelper {

    static final int SAMPLES = 4;

    private BenchHelper() {
    }

    public static void main(String[] args) throws IOException {
        Dataset test = Dataset.load(Dataset.DEBIAN_DIR, "t10k");
        switch (args[0]) {
            case "data" -> data(test, Path.of(args[1]));
            case "train" -> System.out.printf("%.0f%n", train(test, Path.of(args[1]), Double.parseDouble(args[2])));
            default -> throw new IllegalArgumentException("data DIR | train MODEL SECONDS");
        }
    }

    /** {@code sample<i>-label<class>.png} for the first test images. */
    static void data(Dataset test, Path dir) throws IOException {
        Files.createDirectories(dir);
        byte[] pixels = test.images().pixels();
        for (int i = 0; i < SAMPLES; i++) {
            BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            for (int p = 0; p < 28 * 28; p++) {
                image.getRaster().setSample(p % 28, p / 28, 0, pixels[i * 784 + p] & 0xFF);
            }
            ImageIO.write(image, "png",
                    dir.resolve("sample" + i + "-label" + (test.labels()[i] & 0xFF) + ".png").toFile());
        }
    }

    /** Samples per second of train steps after 200 warm-up steps. */
    static double train(Dataset test, Path model, double seconds) {
        float[] x = test.images().toFloats(0, 100);
        float[] y = test.oneHot(0, 100, 10);
        try (TrainableModel m = TrainableModel.load(model)) {
            Map<String, Tensor> batch = Map.of("x", Tensor.ofFloats(new int[] { 100, 28, 28 }, x), "y",
                    Tensor.ofFloats(new int[] { 100, 10 }, y));
            for (int i = 0; i < 200; i++) {
                m.run("train", batch);
            }
            long start = System.nanoTime();
            long steps = 0;
            while (System.nanoTime() - start < seconds * 1e9) {
                m.run("train", batch);
                steps++;
            }
            return steps * 100 / ((System.nanoTime() - start) / 1e9);
        }
    }

}
