package dev.edgetrainer.server.training;

import java.util.List;

/**
 * How a job ended, for the capability that started it.
 *
 * @param succeeded every step ran and kept a finite loss
 * @param error why it did not succeed; null when it did
 * @param nonFiniteLoss it failed on a step whose loss was NaN or infinite (the data's or
 * the settings' doing, not the server's)
 * @param epochLosses the mean loss of each finished epoch
 */
public record JobResult(String id, boolean succeeded, String error, boolean nonFiniteLoss, List<Double> epochLosses,
        int samples, int steps) {

    public JobResult {
        epochLosses = List.copyOf(epochLosses);
    }

    /** The mean loss of the last finished epoch; NaN when none finished. */
    public double lastEpochLoss() {
        return epochLosses.isEmpty() ? Double.NaN : epochLosses.get(epochLosses.size() - 1);
    }

}
