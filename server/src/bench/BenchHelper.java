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
 * Helper for bench.sh, run with the server's own libraries on the class path (java -cp 'lib/*' BenchHelper.java):
 * <ul>
 * <li>{@code data DIR}: writes the first Fashion-MNIST test images as PNGs</li>
 * <li>{@code train MODEL SECONDS}: calls train in-process on 100-sample batches and prints samples/s</li>
 * </ul>
 */
public class BenchHelper {

    public static void main(String[] args) throws Exception {
        Dataset test = Dataset.load(Dataset.DEBIAN_DIR, "t10k");
        switch (args[0]) {
            case "data" -> data(test, Path.of(args[1]));
            case "train" -> train(test, Path.of(args[1]), Double.parseDouble(args[2]));
            default -> throw new IllegalArgumentException("data DIR | train MODEL SECONDS");
        }
    }

    private static void data(Dataset test, Path dir) throws IOException {
        Files.createDirectories(dir);
        for (int i = 0; i < 4; i++) {
            BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            byte[] pixels = test.images().pixels();
            for (int p = 0; p < 28 * 28; p++) {
                int v = pixels[i * 784 + p] & 0xFF;
                image.getRaster().setSample(p % 28, p / 28, 0, v);
            }
            ImageIO.write(image, "png", dir.resolve("sample" + i + "-label" + (test.labels()[i] & 0xFF) + ".png")
                    .toFile());
        }
    }

    private static void train(Dataset test, Path model, double seconds) {
        float[] x = test.images().toFloats(0, 100);
        float[] y = test.oneHot(0, 100, 10);
        try (TrainableModel m = TrainableModel.load(model)) {
            Map<String, Tensor> batch = Map.of("x", Tensor.ofFloats(new int[] {100, 28, 28}, x),
                    "y", Tensor.ofFloats(new int[] {100, 10}, y));
            for (int i = 0; i < 200; i++) {
                m.run("train", batch);
            }
            long start = System.nanoTime();
            long steps = 0;
            while (System.nanoTime() - start < seconds * 1e9) {
                m.run("train", batch);
                steps++;
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            System.out.printf("%.0f%n", steps * 100 / elapsed);
        }
    }
}
