package dev.edgetrainer.server.checkpoint;

import java.time.Instant;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;

/**
 * The sidecar of one checkpoint ({@code <id>.json}), written atomically after its data
 * file.
 *
 * @param sha256 of the data file, verified before every restore and download
 * @param step train steps the weights had taken; null for uploads
 * @param loss loss of the last step before the save; null when unknown
 * @param modelSha256 the model file the weights were saved from; null for uploads
 * @param style {@code TENSORS} (a weights file) or {@code PATH} (written by the model's
 * own save)
 * @param round the federated round whose global weights these are; null for other origins
 */
public record Manifest(String id, Instant createdAt, String sha256, long bytes, Long step, Double loss,
        String modelSha256, CheckpointStyle style, Origin origin, Long round) {

    /** This manifest for the data stored under it. */
    Manifest withData(String sha256, long bytes) {
        return new Manifest(id, createdAt, sha256, bytes, step, loss, modelSha256, style, origin, round);
    }

}
