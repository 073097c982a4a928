package dev.edgetrainer.server.checkpoint;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

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
 * Puts a checkpoint's weights into the model: one by id, the newest of the device's own
 * that verifies and fits, or at startup the one recorded as current. A checkpoint is
 * never half-loaded, nor deleted or replaced while it loads; every one passed over is
 * reported with the reason (health, {@code edge.restore.failures}).
 */
final class CheckpointRestorer {

    private static final Logger log = LoggerFactory.getLogger(CheckpointRestorer.class);

    /** The device's own checkpoints: a peer's upload is only ever restored by its id. */
    static final Predicate<Manifest> OWN = manifest -> Retention.pool(manifest.origin()) == Retention.Pool.OWN;

    private final ModelState state;

    private final CheckpointStore store;

    private final ModelCheckpoints checkpoints;

    private final CurrentCheckpoint current;

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
        this.current = new CurrentCheckpoint(store, state);
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
            restoreOne(id, submitter);
        }
        catch (CorruptCheckpointException e) {
            throw new CheckpointRejectedException("id", "checkpoint " + id + " failed verification: " + e.getMessage());
        }
        return reported(id, List.of());
    }

    /** The newest of the device's own checkpoints that verifies and fits. */
    RestoreReport restoreNewest(Submitter submitter) {
        return restoreNewest(OWN, new ArrayList<>(), submitter);
    }

    /**
     * At startup: the checkpoint recorded as current, the original weights if that is
     * what the record says, else (no record, or the checkpoint fails) the newest own one.
     */
    RestoreReport restoreAtStartup(Submitter submitter) {
        CurrentPointer.Recorded recorded = store.readCurrent();
        if (recorded.present() && !recorded.usable()) {
            log.warn("The record of the current checkpoint cannot be used ({}); restoring the newest checkpoint "
                    + "saved on this device", recorded.problem());
        }
        if (recorded.usable() && recorded.checkpoint() == null) {
            return reported(null, List.of());
        }
        List<Skipped> skipped = new ArrayList<>();
        if (recorded.usable()) {
            String id = recorded.checkpoint();
            if (tryRestore(id, submitter, skipped)) {
                return reported(id, skipped);
            }
        }
        RestoreReport report = restoreNewest(OWN.and(m -> !m.id().equals(recorded.checkpoint())), skipped, submitter);
        if (report.restored() == null && recorded.present() && fault == null) {
            // The original weights are what runs now; say so, or every restart tries
            // again. Not when the model failed its own restore: the record stays for the
            // restart after the model is fixed.
            store.writeCurrent(null);
        }
        return report;
    }

    /**
     * Tries eligible checkpoints newest first. A checkpoint that is corrupt, does not fit
     * or that the model cannot restore is skipped; a busy or stopping engine is no
     * checkpoint's fault and ends the attempt.
     */
    private RestoreReport restoreNewest(Predicate<Manifest> eligible, List<Skipped> skipped, Submitter submitter) {
        for (CheckpointStore.Listed listed : store.scan()) {
            if (listed.manifest() != null && !eligible.test(listed.manifest())) {
                continue;
            }
            if (listed.manifest() == null) {
                log.warn("Skipping checkpoint {}: {}", listed.id(), listed.problem());
                skipped.add(new Skipped(listed.id(), listed.problem()));
            }
            else if (tryRestore(listed.id(), submitter, skipped)) {
                return reported(listed.id(), skipped);
            }
        }
        return reported(null, skipped);
    }

    private boolean tryRestore(String id, Submitter submitter, List<Skipped> skipped) {
        try {
            restoreOne(id, submitter);
            return true;
        }
        catch (CorruptCheckpointException | CheckpointRejectedException | CheckpointNotFoundException
                | CheckpointInUseException e) {
            log.warn("Skipping checkpoint {}: {}", id, e.getMessage());
            skipped.add(new Skipped(id, e.getMessage()));
        }
        catch (ModelFaultException e) {
            // Logged and shown in health as the model's fault; older checkpoints may
            // still restore.
            fault = fault == null ? e : fault;
            skipped.add(new Skipped(id, e.getMessage()));
        }
        catch (EdgeException e) {
            throw e;
        }
        catch (RuntimeException e) {
            log.warn("Skipping checkpoint {}: the model could not restore it", id, e);
            skipped.add(new Skipped(id, "the model could not restore it: " + e.getMessage()));
        }
        return false;
    }

    /**
     * The checkpoint stays pinned until the interpreter has run the restore, even if the
     * caller stops waiting: it cannot be deleted before it becomes current.
     */
    private void restoreOne(String id, Submitter submitter) {
        CheckpointStore.Pin pin = store.pin(id);
        CompletableFuture<Void> restored;
        try {
            Manifest manifest = pin.manifest();
            if (manifest.style() != checkpoints.style()) {
                throw new CheckpointRejectedException("id", "checkpoint " + id + " is " + manifest.style()
                        + "-style; this model checkpoints as " + checkpoints.style());
            }
            ModelCheckpoints.Readied weights = checkpoints.read(manifest);
            restored = submitter.submit(TaskKind.CHECKPOINT, model -> {
                current.replace(id, manifest.step() == null ? 0 : manifest.step(), manifest.loss(),
                        () -> putInto(model, weights, manifest));
                return null;
            });
        }
        catch (RuntimeException e) {
            pin.close();
            throw e;
        }
        restored.whenComplete((done, failure) -> pin.close());
        ModelEngine.await(restored);
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
