package dev.edgetrainer.model.pretrain;

import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

import javax.imageio.ImageIO;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

import dev.edgetrainer.model.io.AtomicFiles;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The training loss per epoch as an 800x500 PNG line chart (XChart), one line per series,
 * without needing a display.
 */
public final class LossPlot {

    static final int WIDTH = 800;

    static final int HEIGHT = 500;

    /**
     * Line colours, series by series: blue, orange, green, red (matplotlib's first four).
     */
    static final List<Color> COLOURS = List.of(new Color(0x1F77B4), new Color(0xFF7F0E), new Color(0x2CA02C),
            new Color(0xD62728));

    /**
     * Series with at most this many epochs also get a dot per epoch; denser ones would
     * just look smudged.
     */
    private static final int MAX_MARKED_POINTS = 50;

    static {
        // Rendering into a BufferedImage needs no display, but AWT must be told so before
        // it initialises. Respect an explicit choice made by the application.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private LossPlot() {
    }

    /**
     * One line of the chart: {@code losses.get(i)} is the loss after epoch
     * {@code firstEpoch + i}, so a run that continues another (say on-device training
     * after pretraining) can start where that one ended.
     *
     * @throws IllegalArgumentException if there are no losses or one is null, NaN or
     * infinite
     */
    public record Series(String name, int firstEpoch, List<Double> losses) {

        public Series {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(losses, "losses");
            if (losses.isEmpty()) {
                throw new IllegalArgumentException("series '" + name + "' has no losses to plot");
            }
            for (int i = 0; i < losses.size(); i++) {
                Double loss = losses.get(i);
                if (loss == null || !Double.isFinite(loss)) {
                    throw new IllegalArgumentException("series '" + name + "': loss for epoch " + (firstEpoch + i)
                            + " is " + loss + "; every loss must be a finite number");
                }
            }
            losses = List.copyOf(losses);
        }

    }

    /**
     * Draws the series and replaces {@code out} atomically, so readers never see a
     * half-written file.
     * @throws IllegalArgumentException if there is no series, more than there are
     * colours, or two share a name
     */
    public static void writePng(Path out, String title, List<Series> series) throws IOException {
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(title, "title");
        if (series.isEmpty()) {
            throw new IllegalArgumentException("no losses to plot: no series given");
        }
        if (series.size() > COLOURS.size()) {
            throw new IllegalArgumentException(
                    "at most " + COLOURS.size() + " series fit one chart, got " + series.size());
        }
        Set<String> names = new HashSet<>();
        for (Series line : series) {
            if (!names.add(line.name())) {
                throw new IllegalArgumentException("two series are named '" + line.name() + "'");
            }
        }
        AtomicFiles.write(out, png(BitmapEncoder.getBufferedImage(chart(title, series))));
    }

    private static XYChart chart(String title, List<Series> series) {
        XYChart chart = new XYChartBuilder().width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle("epoch")
            .yAxisTitle("loss")
            .build();
        XYStyler styler = chart.getStyler();
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotBackgroundColor(Color.WHITE);
        styler.setPlotGridLinesColor(new Color(0xE3E3E3));
        styler.setPlotBorderVisible(false);
        styler.setChartTitleBoxVisible(false);
        styler.setLegendVisible(series.size() > 1);
        styler.setLegendPosition(LegendPosition.InsideNE);
        styler.setSeriesColors(COLOURS.toArray(Color[]::new));
        styler.setMarkerSize(6);
        styler.setLocale(Locale.ROOT);
        styler.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        styler.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        styler.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        styler.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        styler.setXAxisDecimalPattern("0");
        for (Series line : series) {
            List<Double> epochs = new ArrayList<>();
            for (int i = 0; i < line.losses().size(); i++) {
                epochs.add((double) line.firstEpoch() + i);
            }
            XYSeries drawn = chart.addSeries(line.name(), epochs, line.losses());
            drawn.setMarker(line.losses().size() <= MAX_MARKED_POINTS ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        }
        return chart;
    }

    private static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        // An in-memory cache keeps ImageIO from spilling to java.io.tmpdir without
        // touching its global setting.
        try (ImageOutputStream stream = new MemoryCacheImageOutputStream(png)) {
            if (!ImageIO.write(image, "png", stream)) {
                throw new IOException("no PNG writer available");
            }
        }
        return png.toByteArray();
    }

}
