package dev.edgetrainer.server.training;

import java.util.List;

/**
 * How a job ended, for the capability that started it.
 *
 * @param succeeded every step ran and none blew up
 * @param error why it did not succeed; null when it did
 * @param blewUp it failed because a step's loss or its weights blew up (NaN, infinite, or
 * past {@code edge.train.blow-up-factor}): the data's or the settings' doing, not the
 * server's; the weights were put back as they were before the job
 * @param epochLosses the mean loss of each finished epoch
 */
public record JobResult(String id, boolean succeeded, String error, boolean blewUp, List<Double> epochLosses,
        int samples, int steps) {

    public JobResult {
        epochLosses = List.copyOf(epochLosses);
    }

    /** The mean loss of the last finished epoch; NaN when none finished. */
    public double lastEpochLoss() {
        return epochLosses.isEmpty() ? Double.NaN : epochLosses.get(epochLosses.size() - 1);
    }

}
