package dev.edgetrainer.server.checkpoint;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.edgetrainer.model.runtime.ModelException;
import dev.edgetrainer.model.runtime.UnsupportedOpsException;
import dev.edgetrainer.model.tensor.CorruptCheckpointException;
import dev.edgetrainer.server.model.LoadedModel;
import dev.edgetrainer.server.model.ModelEngine;
import dev.edgetrainer.server.model.ModelFaultException;
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

    private final String modelSha256;

    private final String restoreSignature;

    /** The first model fault met while trying checkpoints, if any. */
    private ModelFaultException fault;

    /**
     * @param modelSha256 the hosted model file's, to tell its own checkpoints from others
     * @param restoreSignature the signature that plays the restore role
     */
    CheckpointRestorer(ModelState state, CheckpointStore store, ModelCheckpoints checkpoints, String modelSha256,
            String restoreSignature) {
        this.state = state;
        this.store = store;
        this.checkpoints = checkpoints;
        this.modelSha256 = modelSha256;
        this.restoreSignature = restoreSignature;
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
            catch (ModelFaultException e) {
                // Logged and shown in health as the model's fault; older checkpoints may
                // still restore.
                fault = fault == null ? e : fault;
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
            putInto(model, weights, manifest);
            state.weightsReplaced(manifest.id(), manifest.step() == null ? 0 : manifest.step(), manifest.loss());
            return null;
        }));
    }

    /**
     * A checkpoint this model saved itself that it cannot restore, or a call of the
     * server's own that the restore signature refuses, is the model's fault (or ours),
     * never the checkpoint's or the caller's.
     */
    private void putInto(LoadedModel model, ModelCheckpoints.Readied weights, Manifest manifest) {
        try {
            weights.putInto(model);
        }
        catch (CheckpointRejectedException e) {
            if (savedByThisModel(manifest)) {
                throw ModelFaultException.raise(state, "restore", restoreSignature,
                        "checkpoint " + manifest.id() + ", which this model saved itself", e);
            }
            throw e;
        }
        catch (UnsupportedOpsException e) {
            throw e;
        }
        catch (ModelException e) {
            throw ModelFaultException.raise(state, "restore", restoreSignature,
                    "the server's own call for checkpoint " + manifest.id(), e);
        }
        state.faultCleared("restore");
    }

    private boolean savedByThisModel(Manifest manifest) {
        return manifest.origin() != Origin.UPLOAD && modelSha256.equals(manifest.modelSha256());
    }

    /**
     * The first fault of the model's own met by {@link #restoreNewest}; null when
     * checkpoints were only skipped for their own faults.
     */
    ModelFaultException fault() {
        return fault;
    }

    private RestoreReport reported(String restored, List<Skipped> skipped) {
        RestoreReport report = new RestoreReport(Instant.now(), restored, skipped);
        state.restoreReported(report);
        return report;
    }

}
