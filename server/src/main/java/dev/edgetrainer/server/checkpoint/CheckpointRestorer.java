package dev.edgetrainer.server.checkpoint;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.edgetrainer.model.tensor.CorruptCheckpointException;
import dev.edgetrainer.server.model.ModelEngine;
import dev.edgetrainer.server.model.ModelState;
import dev.edgetrainer.server.model.ModelState.RestoreReport;
import dev.edgetrainer.server.model.ModelState.Skipped;
import dev.edgetrainer.server.model.TaskKind;
import dev.edgetrainer.server.system.EdgeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a checkpoint's weights into the model: one by id, or the newest that verifies and
 * fits. A checkpoint is never half-loaded; every one passed over is reported with the
 * reason (health, {@code edge.restore.failures}).
 */
final class CheckpointRestorer {

    private static final Logger log = LoggerFactory.getLogger(CheckpointRestorer.class);

    private final ModelState state;

    private final CheckpointStore store;

    private final ModelCheckpoints checkpoints;

    CheckpointRestorer(ModelState state, CheckpointStore store, ModelCheckpoints checkpoints) {
        this.state = state;
        this.store = store;
        this.checkpoints = checkpoints;
    }

    /**
     * @throws CheckpointNotFoundException when there is no such checkpoint
     * @throws CheckpointRejectedException when it fails verification or does not fit
     */
    RestoreReport restore(String id, Submitter submitter) {
        CheckpointIds.require(id, "id");
        try {
            restore(store.require(id), submitter);
        }
        catch (CorruptCheckpointException e) {
            throw new CheckpointRejectedException("id", "checkpoint " + id + " failed verification: " + e.getMessage());
        }
        return reported(id, List.of());
    }

    /**
     * Tries checkpoints newest first. A checkpoint that is corrupt, does not fit or that
     * the model cannot restore is skipped; a busy or stopping engine is no checkpoint's
     * fault and ends the attempt.
     */
    RestoreReport restoreNewest(Submitter submitter) {
        List<Skipped> skipped = new ArrayList<>();
        for (CheckpointStore.Listed listed : store.scan()) {
            try {
                if (listed.manifest() == null) {
                    throw new CorruptCheckpointException(listed.problem());
                }
                restore(listed.manifest(), submitter);
                return reported(listed.id(), skipped);
            }
            catch (CorruptCheckpointException | CheckpointRejectedException e) {
                log.warn("Skipping checkpoint {}: {}", listed.id(), e.getMessage());
                skipped.add(new Skipped(listed.id(), e.getMessage()));
            }
            catch (EdgeException e) {
                throw e;
            }
            catch (RuntimeException e) {
                log.warn("Skipping checkpoint {}: the model could not restore it", listed.id(), e);
                skipped.add(new Skipped(listed.id(), "the model could not restore it: " + e.getMessage()));
            }
        }
        return reported(null, skipped);
    }

    private void restore(Manifest manifest, Submitter submitter) {
        if (manifest.style() != checkpoints.style()) {
            throw new CheckpointRejectedException("id", "checkpoint " + manifest.id() + " is " + manifest.style()
                    + "-style; this model checkpoints as " + checkpoints.style());
        }
        ModelCheckpoints.Readied weights = checkpoints.read(manifest);
        ModelEngine.await(submitter.submit(TaskKind.CHECKPOINT, model -> {
            state.requireNoRunningJob("restoring checkpoint " + manifest.id());
            weights.putInto(model);
            state.weightsReplaced(manifest.id(), manifest.step() == null ? 0 : manifest.step(), manifest.loss());
            return null;
        }));
    }

    private RestoreReport reported(String restored, List<Skipped> skipped) {
        RestoreReport report = new RestoreReport(Instant.now(), restored, skipped);
        state.restoreReported(report);
        return report;
    }

}
