package dev.edgetrainer.server.training;

import java.util.Map;
import java.util.function.IntConsumer;

import dev.edgetrainer.model.checkpoint.Checkpointer;
import dev.edgetrainer.model.tensor.Tensor;

/**
 * Undoes a train step whose loss is NaN or infinite. Copying the weights costs about a
 * tenth of a step, so instead of before every step the guard snapshots every
 * {@link #SNAPSHOT_EVERY} steps of an epoch and, to undo a step, restores the snapshot
 * and replays the steps since. TFLite's CPU kernels are deterministic, so the replay ends
 * exactly where the bad step began. Off ({@code edge.train.guard-non-finite=false}, or a
 * model whose weights cannot be snapshotted) it does nothing. Interpreter thread only.
 */
final class NonFiniteGuard {

    static final int SNAPSHOT_EVERY = 32;

    private final boolean on;

    /** Reused by every snapshot: the weights' arrays are copied into, not reallocated. */
    private Map<String, Tensor> snapshot = Map.of();

    /** The batch of the current epoch before which {@link #snapshot} was taken. */
    private int snapshotAt;

    NonFiniteGuard(boolean on) {
        this.on = on;
    }

    /** Before batch {@code inEpoch}: takes a snapshot when one is due. */
    void beforeStep(Checkpointer weights, int inEpoch) {
        if (on && inEpoch % SNAPSHOT_EVERY == 0) {
            snapshot = weights.saveInto(snapshot);
            snapshotAt = inEpoch;
        }
    }

    /**
     * Puts the weights back as they were before batch {@code inEpoch}: the snapshot, then
     * the batches since it replayed through {@code replay}.
     * @return whether the step was undone; false when the guard is off
     */
    boolean undo(Checkpointer weights, int inEpoch, IntConsumer replay) {
        if (!on) {
            return false;
        }
        weights.restore(snapshot);
        for (int replayed = snapshotAt; replayed < inEpoch; replayed++) {
            replay.accept(replayed);
        }
        return true;
    }

    void release() {
        snapshot = Map.of();
    }

}
