package dev.edgetrainer.server.data;

/**
 * What finite training data must also be before a job may start, so a request can only be
 * refused before its first step, never half way (all or nothing): inputs inside the
 * model's input range ({@code edge.train.input-range}), and for a classifier, target rows
 * that are probability distributions (one-hot rows are). Finite but absurd values (x =
 * 1e30, or 100 for a model of [0, 1] pixels, a target row of 1e30 and -1e30) train with a
 * 200 and leave a model that answers nonsense or NaN from then on.
 */
final class TrainingDataChecks {

    /** How far a target row's sum may stray from 1 (float32 rounding of soft labels). */
    static final double SUM_TOLERANCE = 1e-3;

    private final double[] bounds;

    /**
     * @param bounds {@code {min, max}} of the model's inputs, or null when it declares
     * none
     */
    TrainingDataChecks(double[] bounds) {
        this.bounds = (bounds == null) ? null : bounds.clone();
    }

    /**
     * @param sampleSize values per sample, to name the element at fault
     * @throws UnusableTrainingDataException naming the first value out of range
     */
    void inputs(float[] x, int sampleSize, String field) {
        if (bounds == null) {
            return;
        }
        for (int i = 0; i < x.length; i++) {
            if (x[i] < bounds[0] || x[i] > bounds[1]) {
                String at = field + "[" + (i / sampleSize) + "]";
                throw new UnusableTrainingDataException(at,
                        at + " has the value " + x[i] + " (element " + (i % sampleSize)
                                + "); this model's inputs range " + "over [" + bounds[0] + ", " + bounds[1]
                                + "] (edge.train.input-range)");
            }
        }
    }

    /** Unsigned-byte pixels, which train scaled to [0, 1]: their extremes are checked. */
    void pixels(byte[] pixels, String field) {
        if (bounds == null) {
            return;
        }
        int min = 255;
        int max = 0;
        for (byte pixel : pixels) {
            min = Math.min(min, pixel & 0xFF);
            max = Math.max(max, pixel & 0xFF);
        }
        if (min / 255.0 < bounds[0] || max / 255.0 > bounds[1]) {
            throw new UnusableTrainingDataException(field,
                    "'" + field + "' holds pixels from " + (float) (min / 255.0) + " to " + (float) (max / 255.0)
                            + " once scaled to [0, 1]; this model's inputs range over [" + bounds[0] + ", " + bounds[1]
                            + "] (edge.train.input-range)");
        }
    }

    /**
     * Target rows of a classifier ({@code width > 1}): every value at least 0, each row
     * summing to 1.
     * @throws UnusableTrainingDataException naming the first row that is not
     */
    void targets(float[] y, int width, String field) {
        if (width < 2) {
            return;
        }
        for (int row = 0; row * width < y.length; row++) {
            double sum = 0;
            for (int i = row * width; i < (row + 1) * width; i++) {
                if (y[i] < 0) {
                    throw notADistribution(field, row, "has the negative value " + y[i]);
                }
                sum += y[i];
            }
            if (Math.abs(sum - 1) > SUM_TOLERANCE) {
                throw notADistribution(field, row, "sums to " + (float) sum);
            }
        }
    }

    private static UnusableTrainingDataException notADistribution(String field, int row, String what) {
        String at = field + "[" + row + "]";
        return new UnusableTrainingDataException(at, at + " " + what + "; a classifier's target row must be "
                + "probabilities that sum to 1 (a one-hot row, or a class index instead)");
    }

}
