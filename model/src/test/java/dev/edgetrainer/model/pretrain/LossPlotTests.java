package dev.edgetrainer.model.pretrain;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LossPlotTests {

    private static final Color FIRST = LossPlot.COLOURS.get(0);

    private static final Color SECOND = LossPlot.COLOURS.get(1);

    @TempDir
    Path dir;

    @Test
    void writesAn800x500PngWithTheLineInTheSeriesColour() throws IOException {
        Path png = dir.resolve("loss.png");

        LossPlot.writePng(png, "Fashion-MNIST pretraining",
                List.of(series("EdgeTrainer", 1, 2.31, 1.12, 0.74, 0.61, 0.55, 0.52, 0.50, 0.49)));

        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).isNotNull();
        assertThat(image.getWidth()).isEqualTo(800);
        assertThat(image.getHeight()).isEqualTo(500);
        assertThat(pixels(image, FIRST)).hasSizeGreaterThan(100);
        assertThat(pixels(image, SECOND)).isEmpty();
    }

    @Test
    void drawsEachSeriesInItsOwnColourTheHigherLossHigherUp() throws IOException {
        Path png = dir.resolve("compare.png");

        LossPlot.writePng(png, "tutorial vs EdgeTrainer", List.of(series("tutorial", 1, 0.9, 0.85, 0.8, 0.75, 0.7),
                series("EdgeTrainer", 1, 0.3, 0.28, 0.26, 0.24, 0.22)));

        BufferedImage image = ImageIO.read(png.toFile());
        List<int[]> tutorial = pixels(image, FIRST);
        List<int[]> edgeTrainer = pixels(image, SECOND);
        assertThat(tutorial).hasSizeGreaterThan(100);
        assertThat(edgeTrainer).hasSizeGreaterThan(100);
        // Image rows grow downwards: a higher loss has a smaller median row.
        assertThat(median(tutorial, 1)).isLessThan(median(edgeTrainer, 1));
    }

    @Test
    void aSeriesContinuingAnotherIsDrawnToItsRight() throws IOException {
        Path png = dir.resolve("continued.png");

        LossPlot.writePng(png, "pretraining, then on the device",
                List.of(series("pretraining", 1, 0.9, 0.7, 0.6, 0.5, 0.45), series("on device", 6, 0.44, 0.43, 0.42)));

        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(median(pixels(image, FIRST), 0)).isLessThan(median(pixels(image, SECOND), 0));
    }

    @Test
    void replacesAnExistingFileAndLeavesNoTemporaryFilesBehind() throws IOException {
        Path png = dir.resolve("loss.png");
        Files.writeString(png, "old");

        LossPlot.writePng(png, "replaced", List.of(series("loss", 1, 1.0, 0.5)));

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

            LossPlot.writePng(png, "edge case", List.of(new LossPlot.Series("loss", 1, losses)));

            BufferedImage image = ImageIO.read(png.toFile());
            assertThat(image.getWidth()).isEqualTo(800);
            assertThat(pixels(image, FIRST)).as("%d epochs", losses.size()).isNotEmpty();
        }
    }

    @Test
    void refusesNothingToPlot() {
        assertThatThrownBy(() -> LossPlot.writePng(dir.resolve("a.png"), "empty", List.of()))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("no losses to plot");
        assertThatThrownBy(() -> new LossPlot.Series("loss", 1, List.of())).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("series 'loss' has no losses to plot");
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void refusesNonFiniteAndNullLosses() {
        assertThatThrownBy(() -> series("loss", 1, 1.0, Double.NaN)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("series 'loss': loss for epoch 2 is NaN; every loss must be a finite number");
        assertThatThrownBy(() -> series("loss", 101, Double.POSITIVE_INFINITY))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("loss for epoch 101 is Infinity");
        assertThatThrownBy(() -> new LossPlot.Series("loss", 1, Arrays.asList(1.0, 0.5, null)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("loss for epoch 3 is null");
    }

    @Test
    void refusesTwoSeriesWithOneNameAndMoreSeriesThanColours() {
        assertThatThrownBy(() -> LossPlot.writePng(dir.resolve("a.png"), "twice",
                List.of(series("loss", 1, 1.0), series("loss", 1, 2.0))))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("two series are named 'loss'");
        List<LossPlot.Series> tooMany = new ArrayList<>();
        for (int i = 0; i <= LossPlot.COLOURS.size(); i++) {
            tooMany.add(series("run " + i, 1, 1.0));
        }
        assertThatThrownBy(() -> LossPlot.writePng(dir.resolve("b.png"), "crowded", tooMany))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("at most 4 series");
        assertThat(dir).isEmptyDirectory();
    }

    private static LossPlot.Series series(String name, int firstEpoch, Double... losses) {
        return new LossPlot.Series(name, firstEpoch, List.of(losses));
    }

    /** The {x, y} of every pixel of exactly this colour. */
    private static List<int[]> pixels(BufferedImage image, Color colour) {
        List<int[]> found = new ArrayList<>();
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                if ((image.getRGB(x, y) & 0xFFFFFF) == (colour.getRGB() & 0xFFFFFF)) {
                    found.add(new int[] { x, y });
                }
            }
        }
        return found;
    }

    private static int median(List<int[]> pixels, int coordinate) {
        List<Integer> values = new ArrayList<>();
        pixels.forEach(pixel -> values.add(pixel[coordinate]));
        Collections.sort(values);
        return values.get(values.size() / 2);
    }

}
