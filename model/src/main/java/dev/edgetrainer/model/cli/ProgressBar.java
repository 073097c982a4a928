package dev.edgetrainer.model.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * A one-line progress bar redrawn in place on a terminal, at most a few times a second.
 */
final class ProgressBar {

    private static final int WIDTH = 30;

    private static final long REDRAW_NANOS = 200_000_000L;

    private final PrintWriter stream;

    private final boolean enabled;

    private final long started = System.nanoTime();

    private long lastDraw;

    private boolean drawn;

    ProgressBar(PrintWriter stream, boolean enabled) {
        this.stream = stream;
        this.enabled = enabled;
    }

    void update(int epoch, int epochs, int step, int steps, double loss) {
        long now = System.nanoTime();
        if (!enabled || now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        double done = ((epoch - 1) + (double) step / steps) / epochs;
        int filled = (int) Math.round(done * WIDTH);
        long elapsed = now - started;
        Duration eta = Duration.ofNanos(done > 0 ? (long) (elapsed / done - elapsed) : 0);
        stream.printf(Locale.ROOT, "\repoch %d/%d [%s%s] %3.0f%% loss %.4f eta %s ", epoch, epochs, "#".repeat(filled),
                ".".repeat(WIDTH - filled), done * 100, loss, format(eta));
        stream.flush();
        drawn = true;
    }

    void clear() {
        if (drawn) {
            stream.print("\r" + " ".repeat(WIDTH + 60) + "\r");
            stream.flush();
            drawn = false;
        }
    }

    /** {@code m:ss}. */
    static String format(Duration duration) {
        return String.format(Locale.ROOT, "%d:%02d", duration.toMinutes(), duration.toSecondsPart());
    }

}
