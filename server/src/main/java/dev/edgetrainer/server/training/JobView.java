package dev.edgetrainer.server.training;

import java.time.Instant;
import java.util.List;

import dev.edgetrainer.server.model.WeightsRef;

/**
 * What {@code POST /train} and {@code GET /train/jobs/{id}} show of a job.
 *
 * @param loss the loss of the last step
 * @param epochLosses the mean loss of each finished epoch
 * @param checkpoint the checkpoint auto-saved after the job, if any
 */
record JobView(String id, TrainingJob.Status status, boolean cancelling, int epoch, int epochs, int step, int steps,
        int samples, int batchSize, Double loss, List<Double> epochLosses, Instant createdAt, Instant startedAt,
        Instant finishedAt, Long durationMs, String error, String checkpoint, WeightsRef weights) {
}
