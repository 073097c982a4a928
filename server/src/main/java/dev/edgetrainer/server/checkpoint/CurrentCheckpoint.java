package dev.edgetrainer.server.checkpoint;

import dev.edgetrainer.server.model.ModelState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code current}, the checkpoint the weights in memory descend from, true: it
 * changes only on the interpreter thread, together with the weights, and is recorded
 * durably before the weights change, so a full disk refuses the change (507) with
 * everything as it was, and a restart resumes from what the device last ran. Every
 * replacement of the weights (restore, reset, an upload restored, a federated round
 * adopted) goes through {@link #replace}.
 */
final class CurrentCheckpoint {

    private static final Logger log = LoggerFactory.getLogger(CurrentCheckpoint.class);

    private final CheckpointStore store;

    private final ModelState state;

    CurrentCheckpoint(CheckpointStore store, ModelState state) {
        this.store = store;
        this.state = state;
    }

    /**
     * On the interpreter thread: replaces the weights through {@code change} and makes
     * {@code id} (null: the original weights) current.
     * @throws StorageFullException when the record cannot be written; nothing changed
     * @throws dev.edgetrainer.server.model.WeightsBusyException while a training job owns
     * the weights (its rollback would undo the replacement); nothing changed
     */
    void replace(String id, long step, Double loss, Runnable change) {
        state.requireNoRunningJob((id == null) ? "resetting the weights" : "restoring checkpoint " + id);
        String previous = state.checkpointId();
        store.writeCurrent(id);
        try {
            change.run();
        }
        catch (RuntimeException e) {
            try {
                store.writeCurrent(previous);
            }
            catch (RuntimeException notRecorded) {
                // A restart then tries the refused checkpoint, skips it and restores the
                // newest own one that fits: not the weights now, but never a broken
                // model.
                log.error("Cannot record {} as current again after a failed restore", previous, notRecorded);
            }
            throw e;
        }
        state.weightsReplaced(id, step, loss);
    }

    /**
     * On the interpreter thread, after a save was stored: makes it current if the weights
     * it holds are still the ones in memory, i.e. no restore or reset ran since they were
     * taken out (train steps since then descend from it), and no training job is running.
     * @param replacements {@link ModelState#replacements()} when the weights were taken
     * out
     * @return whether it became current
     * @throws StorageFullException when the record cannot be written
     */
    boolean adoptSaved(String id, long replacements) {
        // A job's weights are not final until it ends: if it fails they go back to what
        // they descended from before it.
        if (state.replacements() != replacements || state.runningJob() != null) {
            return false;
        }
        store.writeCurrent(id);
        state.savedAs(id);
        return true;
    }

}
