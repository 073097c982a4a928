package dev.edgetrainer.model.pretrain;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.DoubleUnaryOperator;

import javax.imageio.ImageIO;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

import dev.edgetrainer.model.io.AtomicFiles;

/** Draws the training loss per epoch as a PNG line chart, without needing a display. */
public final class LossPlot {

    static final int WIDTH = 800;
    static final int HEIGHT = 500;

    private static final int TOP = 50;

    private static final int RIGHT = 30;

    private static final int BOTTOM = 60;

    private static final int TICK = 5;

    private static final int Y_TITLE_SPACE = 26;

    /**
     * Series with at most this many epochs also get a dot per epoch; denser ones would
     * just look smudged.
     */
    private static final int MAX_MARKED_POINTS = 50;

    private static final Color BACKGROUND = Color.WHITE;

    private static final Color GRID = new Color(0xE3E3E3);

    private static final Color AXIS = new Color(0x444444);

    private static final Color TEXT = new Color(0x222222);

    private static final Color LINE = new Color(0x1F77B4);

    static {
        // Rendering into a BufferedImage needs no display, but AWT must be told so before
        // it initialises.
        // Respect an explicit choice made by the application.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private LossPlot() {
    }

    /**
     * Writes an 800x500 chart of {@code losses} (element {@code i} is the loss after
     * epoch {@code i + 1}) to {@code out}, replacing it atomically so readers never see a
     * half-written file.
     * @throws IllegalArgumentException if {@code losses} is empty or holds a null, NaN or
     * infinite value
     */
    public static void writePng(List<Double> losses, Path out, String title) throws IOException {
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(title, "title");
        double[] values = validated(losses);
        writeAtomically(render(values, title), out);
    }

    private static double[] validated(List<Double> losses) {
        Objects.requireNonNull(losses, "losses");
        if (losses.isEmpty()) {
            throw new IllegalArgumentException("no losses to plot");
        }
        double[] values = new double[losses.size()];
        int i = 0;
        for (Double loss : losses) {
            if (loss == null || !Double.isFinite(loss)) {
                throw new IllegalArgumentException(
                        "loss for epoch " + (i + 1) + " is " + loss + "; every loss must be a finite number");
            }
            values[i++] = loss;
        }
        return values;
    }

    private static BufferedImage render(double[] losses, String title) {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setColor(BACKGROUND);
            g.fillRect(0, 0, WIDTH, HEIGHT);

            Font labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
            g.setFont(labelFont);
            FontMetrics labels = g.getFontMetrics();

            Axis y = Axis.forValues(losses);
            List<String> yLabels = new ArrayList<>();
            int widestYLabel = 0;
            for (double tick : y.ticks()) {
                String label = y.format(tick);
                yLabels.add(label);
                widestYLabel = Math.max(widestYLabel, labels.stringWidth(label));
            }
            // The left margin adapts to the tick labels so long ones like 0.00125 are
            // never clipped.
            int left = Y_TITLE_SPACE + widestYLabel + TICK + 8;
            int plotWidth = WIDTH - left - RIGHT;
            int plotHeight = HEIGHT - TOP - BOTTOM;
            int bottom = TOP + plotHeight;

            int n = losses.length;
            // A single epoch would make a zero-width x range; centre it instead.
            double xMin = n == 1 ? 0 : 1;
            double xMax = n == 1 ? 2 : n;
            DoubleUnaryOperator toX = epoch -> left + (epoch - xMin) / (xMax - xMin) * plotWidth;
            DoubleUnaryOperator toY = v -> bottom - (v - y.min()) / (y.max() - y.min()) * plotHeight;

            g.setStroke(new BasicStroke(1f));
            List<Integer> epochTicks = epochTicks(n);
            g.setColor(GRID);
            for (double tick : y.ticks()) {
                double py = toY.applyAsDouble(tick);
                g.draw(new Line2D.Double(left, py, left + plotWidth, py));
            }
            for (int epoch : epochTicks) {
                double px = toX.applyAsDouble(epoch);
                g.draw(new Line2D.Double(px, TOP, px, bottom));
            }

            g.setColor(AXIS);
            g.draw(new Line2D.Double(left, TOP, left, bottom));
            g.draw(new Line2D.Double(left, bottom, left + plotWidth, bottom));
            for (int i = 0; i < yLabels.size(); i++) {
                double py = toY.applyAsDouble(y.ticks()[i]);
                g.setColor(AXIS);
                g.draw(new Line2D.Double(left - TICK, py, left, py));
                g.setColor(TEXT);
                String label = yLabels.get(i);
                g.drawString(label, left - TICK - 4 - labels.stringWidth(label),
                        (float) (py + (labels.getAscent() - labels.getDescent()) / 2.0));
            }
            for (int epoch : epochTicks) {
                double px = toX.applyAsDouble(epoch);
                g.setColor(AXIS);
                g.draw(new Line2D.Double(px, bottom, px, bottom + TICK));
                g.setColor(TEXT);
                String label = Integer.toString(epoch);
                g.drawString(label, (float) (px - labels.stringWidth(label) / 2.0),
                        bottom + TICK + 3 + labels.getAscent());
            }

            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            FontMetrics axisTitles = g.getFontMetrics();
            g.drawString("epoch", left + (plotWidth - axisTitles.stringWidth("epoch")) / 2f, HEIGHT - 14);
            AffineTransform unrotated = g.getTransform();
            g.rotate(-Math.PI / 2);
            g.drawString("loss", -(TOP + (plotHeight + axisTitles.stringWidth("loss")) / 2f),
                    6 + axisTitles.getAscent());
            g.setTransform(unrotated);

            drawTitle(g, title);

            g.setColor(LINE);
            g.setStroke(new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            Path2D.Double line = new Path2D.Double();
            for (int i = 0; i < n; i++) {
                double px = toX.applyAsDouble(i + 1);
                double py = toY.applyAsDouble(losses[i]);
                if (i == 0) {
                    line.moveTo(px, py);
                }
                else {
                    line.lineTo(px, py);
                }
            }
            g.draw(line);
            if (n <= MAX_MARKED_POINTS) {
                for (int i = 0; i < n; i++) {
                    double px = toX.applyAsDouble(i + 1);
                    double py = toY.applyAsDouble(losses[i]);
                    g.fill(new Ellipse2D.Double(px - 3, py - 3, 6, 6));
                }
            }
        }
        finally {
            g.dispose();
        }
        return image;
    }

    private static void drawTitle(Graphics2D g, String title) {
        int size = 17;
        Font font = new Font(Font.SANS_SERIF, Font.BOLD, size);
        // Shrink an overlong title to fit rather than clip it.
        while (size > 9 && g.getFontMetrics(font).stringWidth(title) > WIDTH - 20) {
            font = font.deriveFont((float) --size);
        }
        g.setFont(font);
        g.setColor(TEXT);
        FontMetrics metrics = g.getFontMetrics();
        g.drawString(title, (WIDTH - metrics.stringWidth(title)) / 2f,
                (TOP + metrics.getAscent() - metrics.getDescent()) / 2f);
    }

    /**
     * Epoch 1 plus every multiple of a 1-2-5 step, aiming at about ten labelled epochs.
     */
    private static List<Integer> epochTicks(int n) {
        int step = (int) Math.max(1, Axis.niceStep(n / 10.0));
        List<Integer> ticks = new ArrayList<>();
        ticks.add(1);
        for (int epoch = step; epoch <= n; epoch += step) {
            if (epoch > 1) {
                ticks.add(epoch);
            }
        }
        return ticks;
    }

    /**
     * A value axis with round bounds and evenly spaced ticks at 1, 2 or 5 times a power
     * of ten.
     */
    private record Axis(double min, double max, double step, double[] ticks) {

        private static final int TARGET_INTERVALS = 5;

        static Axis forValues(double[] values) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (double v : values) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            if (lo == hi) {
                // A flat series still needs a non-empty range; put it in the middle.
                double pad = lo == 0 ? 1 : Math.abs(lo) * 0.1;
                lo -= pad;
                hi += pad;
            }
            double step = niceStep((hi - lo) / TARGET_INTERVALS);
            double min = Math.floor(lo / step) * step;
            double max = Math.ceil(hi / step) * step;
            int count = (int) Math.round((max - min) / step) + 1;
            double[] ticks = new double[count];
            for (int i = 0; i < count; i++) {
                // Computed from the index, not by repeated addition, so rounding errors
                // do not accumulate.
                ticks[i] = min + i * step;
            }
            return new Axis(min, max, step, ticks);
        }

        static double niceStep(double rough) {
            double magnitude = Math.pow(10, Math.floor(Math.log10(rough)));
            double fraction = rough / magnitude;
            double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
            return nice * magnitude;
        }

        /**
         * Just enough decimals to tell neighbouring ticks apart; scientific notation for
         * extreme magnitudes.
         */
        String format(double value) {
            if (Math.abs(value) < step * 1e-6) {
                value = 0; // avoid "-0.0" and 1e-17 style noise at the origin
            }
            int decimals = (int) Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
            if (decimals > 6 || Math.max(Math.abs(min), Math.abs(max)) >= 1e7) {
                return String.format(Locale.ROOT, "%.2e", value);
            }
            return String.format(Locale.ROOT, "%." + decimals + "f", value);
        }
    }

    private static void writeAtomically(BufferedImage image, Path out) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        // An in-memory cache keeps ImageIO from spilling to java.io.tmpdir without
        // touching its global setting.
        try (ImageOutputStream stream = new MemoryCacheImageOutputStream(png)) {
            if (!ImageIO.write(image, "png", stream)) {
                throw new IOException("no PNG writer available");
            }
        }
        AtomicFiles.write(out, png.toByteArray());
    }

}
