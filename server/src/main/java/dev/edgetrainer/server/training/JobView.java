package dev.edgetrainer.server.training;

import java.time.Instant;
import java.util.List;

import dev.edgetrainer.server.model.WeightsRef;

/**
 * What {@code POST /train} and {@code GET /train/jobs/{id}} show of a job.
 *
 * @param loss the loss of the last step
 * @param epochLosses the mean loss of each finished epoch
 * @param origin {@code request} for {@code POST /train}, {@code federated} for a round's
 * local training
 * @param checkpoint the checkpoint auto-saved after the job, if any
 * @param kept samples kept in the device's store after the job; null when not asked
 */
record JobView(String id, String origin, TrainingJob.Status status, boolean cancelling, int epoch, int epochs, int step,
        int steps, int samples, int batchSize, Double loss, List<Double> epochLosses, Instant createdAt,
        Instant startedAt, Instant finishedAt, Long durationMs, String error, String checkpoint, Integer kept,
        WeightsRef weights) {
}
