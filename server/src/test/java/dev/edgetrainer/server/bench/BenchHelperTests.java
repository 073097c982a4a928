package dev.edgetrainer.server.bench;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

import dev.edgetrainer.model.data.Dataset;
import dev.edgetrainer.model.graph.MlpModelWriter;
import dev.edgetrainer.model.graph.MlpSpec;
import dev.edgetrainer.model.runtime.TrainableModel;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The benchmark scripts' helper still does what they rely on. */
class BenchHelperTests {

    private static Dataset test;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() throws IOException {
        assumeTrue(Files.isDirectory(Dataset.DEBIAN_DIR),
                "needs Debian package dataset-fashion-mnist at " + Dataset.DEBIAN_DIR + " (CI installs it)");
        test = Dataset.load(Dataset.DEBIAN_DIR, "t10k");
    }

    @Test
    void dataWritesTheFirstTestImagesAsPngsNamedByTheirLabel() throws IOException {
        BenchHelper.data(test, dir);

        Path first = dir.resolve("sample0-label" + (test.labels()[0] & 0xFF) + ".png");
        BufferedImage image = ImageIO.read(first.toFile());
        assertThat(image.getWidth()).isEqualTo(28);
        assertThat(image.getRaster().getSample(14, 14, 0)).isEqualTo(test.images().pixels()[14 * 28 + 14] & 0xFF);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).hasSize(BenchHelper.SAMPLES)
                .allMatch(name -> name.matches("sample\\d-label\\d\\.png"));
        }
    }

    @Test
    void trainMeasuresSamplesPerSecond() {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);

        assertThat(BenchHelper.train(test, model, 0.2, 2)).isGreaterThan(100);
    }

    @Test
    void theTrainFlopFloorCountsForwardWeightGradientsAndAllButTheFirstLayersInputGradient() {
        try (TrainableModel model = TrainableModel.load(MlpModelWriter.write(MlpSpec.fashionMnist()), "mlp")) {
            // 784-128-10: 2 x (forward + weight gradients) x 101,632 products + 2 x 1,280
            // for
            // the hidden layer's gradient: 40.9 MFLOP for 100 samples.
            assertThat(BenchHelper.trainFlopsPerSample(model) * 100).isEqualTo(40_908_800);
        }
    }

    @Test
    void speedMeasuresTheTrainStepAndBothInferSizesWithTheirSpread() throws IOException {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);

        List<String> lines = BenchHelper.speed(test, model, 2, 50, 0.5);

        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("model.train100.ms threads=2 median=").contains(" mflop=5.1 ");
        assertThat(lines.get(1)).startsWith("model.infer1.us threads=2 median=");
        assertThat(lines.get(2)).startsWith("model.infer32.us threads=2 median=").contains("per_sample_speedup=");
        for (String line : lines) {
            double median = value(line, "median");
            assertThat(median).isPositive().isBetween(value(line, "min"), value(line, "max"));
        }
    }

    @Test
    void peakIsTheGflopsOfALargeMatrixProduct() {
        BenchHelper.Spread peak = BenchHelper.peak(1, 0.5);

        // Far below any CPU that runs this build, far above a broken measure.
        assertThat(peak.median()).isBetween(0.5, 10_000.0);
        assertThat(peak.min()).isLessThanOrEqualTo(peak.median());
    }

    @Test
    void theBigModelIsWhatTheCliCreates() {
        assertThat(BenchHelper.mlp("1024,1024"))
            .isEqualTo(new MlpSpec(new int[] { 28, 28 }, new int[] { 1024, 1024 }, 10, 0.01f, 42));
    }

    private static double value(String line, String key) {
        for (String field : line.split(" ")) {
            if (field.startsWith(key + "=")) {
                return Double.parseDouble(field.substring(key.length() + 1));
            }
        }
        throw new AssertionError(key + " missing from " + line);
    }

}
