package dev.edgetrainer.server.checkpoint;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import dev.edgetrainer.model.runtime.InvalidInputException;
import dev.edgetrainer.model.runtime.ModelException;
import dev.edgetrainer.model.runtime.UnsupportedOpsException;
import dev.edgetrainer.model.tensor.CorruptCheckpointException;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.WeightsFile;
import dev.edgetrainer.server.model.ModelEngine;
import dev.edgetrainer.server.model.ModelState.RestoreReport;
import dev.edgetrainer.server.model.ModelState.Skipped;
import dev.edgetrainer.server.model.ModelTask;
import dev.edgetrainer.server.model.TaskKind;
import dev.edgetrainer.server.model.WeightsRef;
import dev.edgetrainer.server.system.ApiException;
import dev.edgetrainer.server.system.EdgeProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;

/**
 * Saves, restores, shares and prunes checkpoints. The interpreter thread only copies
 * weights out or in; hashing and disk I/O (an fsync on an SD card can take tens of
 * milliseconds) happen on the caller's thread. At startup, before the server takes
 * requests, the newest checkpoint that verifies and fits is restored.
 */
@Service
public class CheckpointService implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(CheckpointService.class);

    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'")
        .withZone(ZoneOffset.UTC);

    private final ModelEngine engine;

    private final CheckpointStore store;

    private final CheckpointStyle style;

    CheckpointService(ModelEngine engine, EdgeProperties properties, JsonMapper json) {
        this.engine = engine;
        this.style = engine.info().checkpointStyle();
        this.store = new CheckpointStore(properties.checkpoint().dir(), properties.checkpoint().keep(), json);
    }

    @Override
    public void afterSingletonsInstantiated() {
        store.open();
        RestoreReport report = restoreNewest(engine::submitFollowUp);
        if (report.restored() != null) {
            log.info("Restored checkpoint {}", report.restored());
        }
        else {
            log.info("No checkpoint restored; serving the model's original weights");
        }
    }

    /** {@code POST /checkpoint/save}. */
    Manifest save() {
        return save("save", engine::submit);
    }

    /**
     * After a training job; the job was admitted already, so this never competes for a
     * queue slot.
     */
    public Manifest saveAfterTraining() {
        return save("auto-save", engine::submitFollowUp);
    }

    private interface Submitter {

        <T> CompletableFuture<T> submit(TaskKind kind, ModelTask<T> task);

    }

    private record Snapshot(Map<String, Tensor> weights, Path file, WeightsRef at, double loss) {
    }

    private Manifest save(String origin, Submitter submitter) {
        requireSupported();
        Path temp = style == CheckpointStyle.PATH ? store.tempFile() : null;
        Snapshot snapshot = ModelEngine.await(submitter.submit(TaskKind.CHECKPOINT, model -> {
            Map<String, Tensor> weights = null;
            if (temp != null) {
                model.checkpointer().saveTo(temp);
            }
            else {
                weights = model.checkpointer().save();
            }
            return new Snapshot(weights, temp, WeightsRef.of(engine), engine.state().loss());
        }));
        Instant now = Instant.now();
        Manifest draft = new Manifest(newId(now, snapshot.at().step()), now, null, 0, snapshot.at().step(),
                Double.isNaN(snapshot.loss()) ? null : snapshot.loss(), engine.info().sha256(), style.name(), origin);
        Manifest saved = temp != null ? store.commit(draft, temp)
                : store.write(draft, WeightsFile.encode(snapshot.weights()));
        engine.state().savedAs(saved.id());
        store.prune();
        log.info("Saved checkpoint {} at step {} ({} bytes)", saved.id(), saved.step(), saved.bytes());
        return saved;
    }

    private String newId(Instant time, long step) {
        String base = ID_TIME.format(time) + "-s" + step;
        String id = base;
        for (int i = 2; store.find(id).isPresent(); i++) {
            id = base + "-" + i;
        }
        return id;
    }

    /**
     * {@code POST /checkpoint/restore}: the given checkpoint, or the newest that verifies
     * and fits.
     */
    RestoreReport restore(String id) {
        requireSupported();
        if (id == null) {
            RestoreReport report = restoreNewest(engine::submit);
            if (report.restored() == null) {
                throw ApiException.notFound("id", report.skipped().isEmpty() ? "there is no checkpoint to restore"
                        : "no checkpoint verifies: " + report.skipped());
            }
            return report;
        }
        Manifest manifest = store.require(CheckpointStore.requireId(id, "id"));
        try {
            restore(manifest, engine::submit);
        }
        catch (CorruptCheckpointException e) {
            throw ApiException.unprocessable("id", "checkpoint " + id + " failed verification: " + e.getMessage());
        }
        RestoreReport report = new RestoreReport(Instant.now(), id, List.of());
        engine.state().restoreReported(report);
        return report;
    }

    /**
     * Tries checkpoints newest first; every one skipped is reported with the reason, none
     * is ever half-loaded.
     */
    private RestoreReport restoreNewest(Submitter submitter) {
        List<Skipped> skipped = new ArrayList<>();
        String restored = null;
        if (style != CheckpointStyle.NONE) {
            for (CheckpointStore.Listed listed : store.scan()) {
                try {
                    if (listed.manifest() == null) {
                        throw new CorruptCheckpointException(listed.problem());
                    }
                    restore(listed.manifest(), submitter);
                    restored = listed.id();
                    break;
                }
                catch (CorruptCheckpointException | ApiException | InvalidInputException e) {
                    log.warn("Skipping checkpoint {}: {}", listed.id(), e.getMessage());
                    skipped.add(new Skipped(listed.id(), e.getMessage()));
                }
                catch (RuntimeException e) {
                    log.warn("Skipping checkpoint {}: the model could not restore it", listed.id(), e);
                    skipped.add(new Skipped(listed.id(), "the model could not restore it: " + e.getMessage()));
                }
            }
        }
        RestoreReport report = new RestoreReport(Instant.now(), restored, skipped);
        engine.state().restoreReported(report);
        return report;
    }

    private void restore(Manifest manifest, Submitter submitter) {
        if (!style.name().equals(manifest.style())) {
            throw ApiException.unprocessable("id", "checkpoint " + manifest.id() + " is " + manifest.style()
                    + "-style; this model checkpoints as " + style);
        }
        byte[] data = store.readVerified(manifest);
        Map<String, Tensor> weights = style == CheckpointStyle.TENSORS ? WeightsFile.decode(data) : null;
        Path file = store.dataFile(manifest.id(), manifest.style());
        try {
            ModelEngine.await(submitter.submit(TaskKind.CHECKPOINT, model -> {
                if (weights != null) {
                    model.checkpointer().restore(weights);
                }
                else {
                    model.checkpointer().restoreFrom(file);
                }
                engine.state()
                    .weightsReplaced(manifest.id(), manifest.step() == null ? 0 : manifest.step(), manifest.loss());
                return null;
            }));
        }
        catch (InvalidInputException e) {
            throw ApiException.unprocessable(e.field(),
                    "checkpoint " + manifest.id() + " does not fit this model: " + e.getMessage());
        }
        catch (ModelException e) {
            if (e instanceof UnsupportedOpsException || weights != null) {
                throw e;
            }
            // The model's own restore refused the file (a missing tensor, a wrong dtype
            // or shape); the weights
            // were put back, so this is the checkpoint's fault, not the server's.
            throw ApiException.unprocessable("id",
                    "checkpoint " + manifest.id() + " does not fit this model: " + e.getMessage());
        }
    }

    /** {@code POST /checkpoint/reset}: the weights the model file came with. */
    WeightsRef reset() {
        return ModelEngine.await(engine.submit(TaskKind.CHECKPOINT, model -> {
            model.reset();
            engine.state().weightsReplaced(null, 0, null);
            return WeightsRef.of(engine);
        }));
    }

    List<Manifest> list() {
        return store.list();
    }

    Manifest manifest(String id) {
        return store.require(CheckpointStore.requireId(id, "id"));
    }

    /** The weights in memory now. */
    WeightsRef current() {
        return WeightsRef.of(engine);
    }

    void delete(String id) {
        store.delete(CheckpointStore.requireId(id, "id"));
    }

    record Download(Manifest manifest, byte[] data) {
    }

    /**
     * A checkpoint's file, after verifying it, so a corrupt file never spreads through
     * the fleet.
     */
    Download download(String id) {
        Manifest manifest = store.require(CheckpointStore.requireId(id, "id"));
        try {
            return new Download(manifest, store.readVerified(manifest));
        }
        catch (CorruptCheckpointException e) {
            throw ApiException.conflict("id", "checkpoint " + id + " is corrupt on this device: " + e.getMessage());
        }
    }

    /**
     * Stores a checkpoint from another device after checking that it decodes and fits
     * this model.
     */
    Manifest upload(String id, byte[] data) {
        requireSupported();
        CheckpointStore.requireId(id, "id");
        if (store.find(id).isPresent()) {
            throw ApiException.conflict("id", "checkpoint " + id + " exists; delete it first or choose another id");
        }
        if (data == null || data.length == 0) {
            throw ApiException.badInput("file", "the body is empty; send the checkpoint file");
        }
        if (style == CheckpointStyle.TENSORS) {
            Map<String, Tensor> weights;
            try {
                weights = WeightsFile.decode(data);
            }
            catch (CorruptCheckpointException e) {
                throw ApiException.unprocessable("file", "not a valid weights file: " + e.getMessage());
            }
            try {
                // Checker only reads the signatures, but the checkpointer belongs to the
                // interpreter thread.
                ModelEngine.await(engine.submit(TaskKind.CHECKPOINT, model -> {
                    model.checkpointer().check(weights);
                    return null;
                }));
            }
            catch (InvalidInputException e) {
                throw ApiException.unprocessable(e.field(),
                        "the checkpoint does not fit this model: " + e.getMessage());
            }
        }
        Manifest saved = store.write(new Manifest(id, Instant.now(), null, 0, null, null, null, style.name(), "upload"),
                data);
        store.prune();
        return saved;
    }

    int count() {
        return store.list().size();
    }

    /** Seconds since the newest checkpoint was taken; NaN without any. */
    double newestAgeSeconds() {
        List<Manifest> all = store.list();
        return all.isEmpty() ? Double.NaN
                : (System.currentTimeMillis() - all.get(0).createdAt().toEpochMilli()) / 1000.0;
    }

    private void requireSupported() {
        if (style == CheckpointStyle.NONE) {
            throw new ApiException(HttpStatus.NOT_IMPLEMENTED, null, "the model has no save/restore signatures "
                    + "this server recognises, so its weights cannot be checkpointed");
        }
    }

}
