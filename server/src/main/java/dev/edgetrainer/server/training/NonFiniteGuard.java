package dev.edgetrainer.server.training;

import java.util.Map;

import dev.edgetrainer.model.checkpoint.Checkpointer;
import dev.edgetrainer.model.tensor.Tensor;

/**
 * Undoes a train step whose loss is NaN or infinite. Copying the weights costs about a
 * tenth of a step, so instead of before every step the guard snapshots every
 * {@link #SNAPSHOT_EVERY} steps of an epoch and, to undo a step, restores the snapshot
 * and replays the steps since. TFLite's CPU kernels are deterministic for a given number
 * of interpreter threads ({@code InterpreterThreadsTests} in the model module), so the
 * replay ends exactly where the bad step began; the guard still checks each replayed loss
 * against the original one, and if one differs it goes back to the snapshot instead of
 * keeping weights that are not the ones trained. Off
 * ({@code edge.train.guard-non-finite=false}, or a model whose weights cannot be
 * snapshotted) it does nothing. Interpreter thread only.
 */
final class NonFiniteGuard {

    static final int SNAPSHOT_EVERY = 32;

    /** What an undo did. */
    enum Undo {

        /** The guard is off: the weights are as the bad step left them. */
        OFF,
        /** The weights are exactly as they were before the bad step. */
        EXACT,
        /**
         * A replayed step did not reproduce its loss: the weights are the snapshot's,
         * {@link NonFiniteGuard#lostSteps(int)} steps before the bad one.
         */
        SNAPSHOT

    }

    /** Replays batch {@code inEpoch} of the current epoch and returns its loss. */
    @FunctionalInterface
    interface Replay {

        float step(int inEpoch);

    }

    private final boolean on;

    /** Reused by every snapshot: the weights' arrays are copied into, not reallocated. */
    private Map<String, Tensor> snapshot = Map.of();

    /** The batch of the current epoch before which {@link #snapshot} was taken. */
    private int snapshotAt;

    /** The losses of the steps since the snapshot, to check a replay against. */
    private final float[] losses = new float[SNAPSHOT_EVERY];

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

    /** After batch {@code inEpoch} was kept with this loss. */
    void afterStep(int inEpoch, float loss) {
        if (on) {
            losses[inEpoch - snapshotAt] = loss;
        }
    }

    /**
     * Puts the weights back as they were before batch {@code inEpoch}: the snapshot, then
     * the batches since it replayed through {@code replay}.
     */
    Undo undo(Checkpointer weights, int inEpoch, Replay replay) {
        if (!on) {
            return Undo.OFF;
        }
        weights.restore(snapshot);
        for (int replayed = snapshotAt; replayed < inEpoch; replayed++) {
            float loss = replay.step(replayed);
            if (Float.floatToIntBits(loss) != Float.floatToIntBits(losses[replayed - snapshotAt])) {
                weights.restore(snapshot);
                return Undo.SNAPSHOT;
            }
        }
        return Undo.EXACT;
    }

    /** Steps between the snapshot and batch {@code inEpoch}: lost by an undo to it. */
    int lostSteps(int inEpoch) {
        return inEpoch - snapshotAt;
    }

    void release() {
        snapshot = Map.of();
    }

}
