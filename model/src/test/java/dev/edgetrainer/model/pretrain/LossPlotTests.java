package dev.edgetrainer.model.pretrain;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LossPlotTests {

    @TempDir
    Path dir;

    @Test
    void writesAn800x500ChartThatIsNotBlank() throws IOException {
        Path png = dir.resolve("loss.png");

        LossPlot.writePng(List.of(2.31, 1.12, 0.74, 0.61, 0.55, 0.52, 0.50, 0.49), png, "Fashion-MNIST pretraining");

        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).isNotNull();
        assertThat(image.getWidth()).isEqualTo(800);
        assertThat(image.getHeight()).isEqualTo(500);
        assertThat(distinctColours(image)).isGreaterThan(2); // background, axes and text,
                                                             // line and anti-aliasing
    }

    @Test
    void replacesAnExistingFileAndLeavesNoTemporaryFilesBehind() throws IOException {
        Path png = dir.resolve("loss.png");
        Files.writeString(png, "old");

        LossPlot.writePng(List.of(1.0, 0.5), png, "replaced");

        assertThat(ImageIO.read(png.toFile())).isNotNull();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(png);
        }
    }

    @Test
    void handlesASingleEpochAFlatSeriesAndManyEpochs() throws IOException {
        List<Double> many = new ArrayList<>();
        for (int epoch = 1; epoch <= 500; epoch++) {
            many.add(1e-4 + 1.0 / epoch);
        }
        for (List<Double> losses : List.of(List.of(0.7), List.of(0.0, 0.0, 0.0), many)) {
            Path png = dir.resolve("loss-" + losses.size() + ".png");

            LossPlot.writePng(losses, png, "edge case");

            BufferedImage image = ImageIO.read(png.toFile());
            assertThat(image.getWidth()).isEqualTo(800);
            assertThat(distinctColours(image)).isGreaterThan(2);
        }
    }

    @Test
    void rejectsAnEmptySeries() {
        assertThatThrownBy(() -> LossPlot.writePng(List.of(), dir.resolve("loss.png"), "empty"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("no losses");
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void rejectsNonFiniteAndNullLosses() {
        assertThatThrownBy(() -> LossPlot.writePng(List.of(1.0, Double.NaN), dir.resolve("a.png"), "nan"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("loss for epoch 2 is NaN");
        assertThatThrownBy(() -> LossPlot.writePng(List.of(Double.POSITIVE_INFINITY), dir.resolve("b.png"), "inf"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("loss for epoch 1 is Infinity");
        assertThatThrownBy(() -> LossPlot.writePng(Arrays.asList(1.0, 0.5, null), dir.resolve("c.png"), "null"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("loss for epoch 3 is null");
        assertThat(dir).isEmptyDirectory();
    }

    private static long distinctColours(BufferedImage image) {
        return Arrays.stream(image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth()))
            .distinct()
            .count();
    }

}
