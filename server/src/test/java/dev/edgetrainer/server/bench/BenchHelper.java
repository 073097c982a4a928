package dev.edgetrainer.server.bench;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;

import javax.imageio.ImageIO;

import dev.edgetrainer.model.checkpoint.Checkpointer;
import dev.edgetrainer.model.data.Dataset;
import dev.edgetrainer.model.graph.MlpModelWriter;
import dev.edgetrainer.model.graph.MlpSpec;
import dev.edgetrainer.model.runtime.TrainableModel;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.TensorSpec;

/**
 * Helper for {@code server/src/bench/bench.sh} and {@code examples.sh}, run there with
 * the jar's own libraries on the class path
 * ({@code java -cp 'lib/*' .../BenchHelper.java}). It lives among the tests so the build
 * compiles it and {@link BenchHelperTests} runs it:
 * <ul>
 * <li>{@code data DIR}: writes the first Fashion-MNIST test images as PNGs</li>
 * <li>{@code model FILE HIDDEN}: writes the model
 * {@code edge-model create --hidden HIDDEN} writes</li>
 * <li>{@code train MODEL SECONDS THREADS}: calls train in-process on 100-sample batches
 * and prints samples/s</li>
 * <li>{@code speed SECONDS MODEL...}: the in-process figures of the README: the machine's
 * single-core and two-core peak (a large SGEMM through TFLite), and per model and thread
 * count a train step on 100 samples (with its FLOP floor) and infer calls on 1 and 32
 * samples</li>
 * </ul>
 */
public final class BenchHelper {

    static final int SAMPLES = 4;

    /** Rounds of each measure: the figures are their median, min and max. */
    static final int ROUNDS = 5;

    /** The peak's model: a 1024 x 1024 dense layer twice, called on 256 samples. */
    private static final MlpSpec SGEMM = new MlpSpec(new int[] { 32, 32 }, new int[] { 1024 }, 1024, 0.01f, 1);

    private static final int SGEMM_BATCH = 256;

    private BenchHelper() {
    }

    public static void main(String[] args) throws IOException {
        Dataset test = Dataset.load(Dataset.DEBIAN_DIR, "t10k");
        switch (args[0]) {
            case "data" -> data(test, Path.of(args[1]));
            case "model" -> Files.write(Path.of(args[1]), MlpModelWriter.write(mlp(args[2])));
            case "train" -> System.out.printf("%.0f%n",
                    train(test, Path.of(args[1]), Double.parseDouble(args[2]), Integer.parseInt(args[3])));
            case "speed" -> {
                double seconds = Double.parseDouble(args[1]);
                for (int threads : new int[] { 1, 2 }) {
                    Spread peak = peak(threads, seconds);
                    System.out.println(line("peak.gflops", threads, peak));
                    for (String model : Arrays.copyOfRange(args, 2, args.length)) {
                        speed(test, Path.of(model), threads, peak.median(), seconds).forEach(System.out::println);
                    }
                }
            }
            default -> throw new IllegalArgumentException(
                    "data DIR | model FILE HIDDEN | train MODEL SECONDS THREADS | speed SECONDS MODEL...");
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

    /**
     * The model {@code edge-model create --hidden HIDDEN} writes (its defaults: 28x28
     * input, 10 classes, learning rate 0.01, seed 42), without the CLI's libraries.
     */
    static MlpSpec mlp(String hidden) {
        return new MlpSpec(new int[] { 28, 28 }, Arrays.stream(hidden.split(",")).mapToInt(Integer::parseInt).toArray(),
                10, 0.01f, 42);
    }

    /** Samples per second of train steps after 200 warm-up steps. */
    static double train(Dataset test, Path model, double seconds, int threads) {
        try (TrainableModel m = TrainableModel.load(model, new TrainableModel.Options(threads))) {
            Map<String, Tensor> batch = trainBatch(test, 100);
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

    /**
     * The median, smallest and largest of {@link #ROUNDS} per-round values.
     */
    record Spread(double median, double min, double max) {

        static Spread of(double[] values) {
            double[] sorted = values.clone();
            Arrays.sort(sorted);
            return new Spread(sorted[sorted.length / 2], sorted[0], sorted[sorted.length - 1]);
        }

        Spread map(DoubleUnaryOperator f) {
            double a = f.applyAsDouble(min);
            double b = f.applyAsDouble(max);
            return new Spread(f.applyAsDouble(median), Math.min(a, b), Math.max(a, b));
        }

    }

    /**
     * Seconds per call of {@code call}: warmed up, then {@link #ROUNDS} rounds of about
     * {@code seconds / ROUNDS} each.
     */
    static Spread secondsPerCall(Runnable call, double seconds) {
        long warmUp = System.nanoTime();
        while (System.nanoTime() - warmUp < Math.min(1e9, seconds * 1e9 / 4)) {
            call.run();
        }
        double[] rounds = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            long start = System.nanoTime();
            long calls = 0;
            long elapsed;
            do {
                call.run();
                calls++;
                elapsed = System.nanoTime() - start;
            }
            while (elapsed < seconds * 1e9 / ROUNDS);
            rounds[r] = elapsed / 1e9 / calls;
        }
        return Spread.of(rounds);
    }

    /**
     * GFLOP/s of TFLite's dense kernels on a large matrix product: what this machine's
     * cores reach with the kernels the models use.
     */
    static Spread peak(int threads, double seconds) {
        try (TrainableModel m = TrainableModel.load(MlpModelWriter.write(SGEMM), "sgemm",
                new TrainableModel.Options(threads))) {
            Map<String, Tensor> x = Map.of("x",
                    Tensor.ofFloats(new int[] { SGEMM_BATCH, 32, 32 }, new float[SGEMM_BATCH * 1024]));
            double flops = 2.0 * SGEMM_BATCH * (1024 * 1024 + 1024 * 1024);
            return secondsPerCall(() -> m.run("infer", x), seconds).map(s -> flops / s / 1e9);
        }
    }

    /**
     * Multiply-adds a train step must do per sample, times two: the forward pass and the
     * weights' gradients through every layer, the activations' gradients through all but
     * the first (nothing needs the input's gradient). Read from the model's kernels (the
     * rank-2 weights).
     */
    static double trainFlopsPerSample(TrainableModel model) {
        int features = Arrays.stream(model.signature("train").orElseThrow().input("x").orElseThrow().shape())
            .skip(1)
            .reduce(1, (a, b) -> a * b);
        double flops = 0;
        for (TensorSpec weight : Checkpointer.of(model).weightSpecs()) {
            if (weight.rank() == 2) {
                double products = (double) weight.dim(0) * weight.dim(1);
                flops += 4 * products + (weight.dim(0) == features ? 0 : 2 * products);
            }
        }
        return flops;
    }

    /**
     * A train step on 100 samples (ms, with its FLOP floor at this machine's peak), and
     * infer calls on 1 and 32 samples (µs), at {@code threads} TFLite threads.
     */
    static List<String> speed(Dataset test, Path model, int threads, double peakGflops, double seconds)
            throws IOException {
        String name = model.getFileName().toString().replaceFirst("\\.tflite$", "");
        try (TrainableModel m = TrainableModel.load(Files.readAllBytes(model), name,
                new TrainableModel.Options(threads))) {
            Map<String, Tensor> batch = trainBatch(test, 100);
            Spread train = secondsPerCall(() -> m.run("train", batch), seconds);
            double flops = trainFlopsPerSample(m) * 100;
            double floor = flops / (peakGflops * 1e9);
            Map<String, Tensor> one = Map.of("x", images(test, 1));
            Map<String, Tensor> many = Map.of("x", images(test, 32));
            Spread infer1 = secondsPerCall(() -> m.run("infer", one), seconds);
            Spread infer32 = secondsPerCall(() -> m.run("infer", many), seconds);
            return List.of(
                    line(name + ".train100.ms", threads, train.map(s -> s * 1e3)) + String.format(Locale.ROOT,
                            " mflop=%.1f floor_ms=%.3f ratio=%.2f", flops / 1e6, floor * 1e3, train.median() / floor),
                    line(name + ".infer1.us", threads, infer1.map(s -> s * 1e6)),
                    line(name + ".infer32.us", threads, infer32.map(s -> s * 1e6)) + String.format(Locale.ROOT,
                            " per_sample_speedup=%.2f", infer1.median() * 32 / infer32.median()));
        }
    }

    private static String line(String measure, int threads, Spread spread) {
        return String.format(Locale.ROOT, "%s threads=%d median=%.3f min=%.3f max=%.3f", measure, threads,
                spread.median(), spread.min(), spread.max());
    }

    /** The first {@code n} test samples as a train batch. */
    private static Map<String, Tensor> trainBatch(Dataset test, int n) {
        return Map.of("x", images(test, n), "y", Tensor.ofFloats(new int[] { n, 10 }, test.oneHot(0, n, 10)));
    }

    private static Tensor images(Dataset test, int n) {
        return Tensor.ofFloats(new int[] { n, 28, 28 }, test.images().toFloats(0, n));
    }

}
