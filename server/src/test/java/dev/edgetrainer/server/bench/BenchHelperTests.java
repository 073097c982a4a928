package dev.edgetrainer.server.bench;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import dev.edgetrainer.model.data.Dataset;
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

        assertThat(BenchHelper.train(test, model, 0.2)).isGreaterThan(100);
    }

}
