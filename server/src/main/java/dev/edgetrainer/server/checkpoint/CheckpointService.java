package dev.edgetrainer.server.checkpoint;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import dev.edgetrainer.model.runtime.ModelException;
import dev.edgetrainer.model.runtime.UnsupportedOpsException;
import dev.edgetrainer.model.tensor.CorruptCheckpointException;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.WeightsFile;
import dev.edgetrainer.server.model.LoadedModel;
import dev.edgetrainer.server.model.ModelEngine;
import dev.edgetrainer.server.model.ModelFaultException;
import dev.edgetrainer.server.model.ModelState;
import dev.edgetrainer.server.model.ModelState.RestoreReport;
import dev.edgetrainer.server.model.TaskKind;
import dev.edgetrainer.server.model.WeightsRef;
import dev.edgetrainer.server.system.EdgeProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Service;

/**
 * The checkpoint operations the API and training offer: save, restore, reset, list,
 * delete, download and upload. Each hands the work to the piece that does it: the model's
 * {@link ModelCheckpoints} style, the {@link CheckpointStore}, the
 * {@link CheckpointRestorer}, {@link CurrentCheckpoint}, the {@link UploadVerifier} and
 * {@link Retention}.
 */
@Service
public class CheckpointService {

    private static final Logger log = LoggerFactory.getLogger(CheckpointService.class);

    private final ModelEngine engine;

    private final CheckpointStore store;

    private final Retention retention;

    private final CurrentCheckpoint current;

    private final UploadVerifier verifier;

    /** Empty when the model has no save/restore signatures. */
    private final Optional<ModelCheckpoints> checkpoints;

    private final Optional<ModelWeights> weights;

    /**
     * The store comes first: Spring resolves it, and so locks the directory, before the
     * model is loaded, so a second server on the directory stops at once.
     */
    CheckpointService(CheckpointStore store, ModelEngine engine, EdgeProperties properties) {
        this.engine = engine;
        this.store = store;
        this.retention = new Retention(store, engine.state()::checkpointId, properties.checkpoint());
        this.current = new CurrentCheckpoint(store, engine.state());
        this.verifier = new UploadVerifier(engine);
        this.checkpoints = ModelCheckpoints.forModel(engine, store);
        this.weights = checkpoints
            .map(style -> new ModelWeights(style, current, engine.state(), engine.info().weights()));
    }

    /**
     * The model's weights as named tensors.
     * @throws CheckpointsUnsupportedException when the model has no save/restore
     * signatures
     */
    public ModelWeights weights() {
        return weights.orElseThrow(CheckpointsUnsupportedException::new);
    }

    /**
     * Adopts a federated round's global weights: stores them as a checkpoint (origin
     * {@code federated}, with the round), then restores that checkpoint like any other,
     * so the weights served are the checkpoint's and {@code current} names it: a restart
     * keeps them. Both styles' files are weights files (a path-style model's restore
     * reads them through this runtime's Restore kernel).
     * @throws CheckpointRejectedException when the weights do not fit; no checkpoint is
     * left
     */
    public Manifest adopt(Map<String, Tensor> global, long round) {
        ModelCheckpoints style = supported();
        Instant now = Instant.now();
        long step = engine.state().step();
        Manifest adopted;
        try (CheckpointStore.Reservation reservation = store.reserveNew(now, step)) {
            adopted = store.write(reservation, new Manifest(reservation.id(), now, null, 0, step, null,
                    engine.info().sha256(), style.style(), Origin.FEDERATED, round),
                    WeightsFile.encode(new TreeMap<>(global)));
        }
        try {
            restorer().restore(adopted.id(), engine::submitFollowUp);
        }
        catch (RuntimeException e) {
            try {
                store.delete(adopted.id());
            }
            catch (RuntimeException notDeleted) {
                e.addSuppressed(notDeleted);
            }
            throw e;
        }
        retention.prune();
        log.info("Adopted the global weights of round {} as checkpoint {}", round, adopted.id());
        return adopted;
    }

    /**
     * A stored checkpoint's weights by name, verified against its manifest first. Both
     * styles' files are weights files: path-style models write them through this
     * runtime's Save kernel.
     * @throws CheckpointNotFoundException when there is no such checkpoint
     * @throws CheckpointRejectedException when it fails verification or does not decode
     */
    public Map<String, Tensor> weightsOf(String id) {
        Manifest manifest = manifest(id);
        try {
            return WeightsFile.decode(store.readVerified(manifest));
        }
        catch (CorruptCheckpointException e) {
            throw new CheckpointRejectedException("id", "checkpoint " + id + " cannot be read: " + e.getMessage());
        }
    }

    /** {@code POST /checkpoint/save}. */
    Manifest save() {
        return save(Origin.SAVE, engine::submit);
    }

    /**
     * After a training job; the job was admitted already, so this never competes for a
     * queue slot.
     */
    public Manifest saveAfterTraining() {
        return save(Origin.AUTO_SAVE, engine::submitFollowUp);
    }

    private record Taken(ModelCheckpoints.Taken weights, WeightsRef at, double loss, long replacements) {
    }

    /**
     * Takes the weights out on the interpreter thread, stores them off it, then makes the
     * new checkpoint current on the interpreter thread, unless a restore or reset
     * replaced the weights meanwhile. A failure at any step leaves no trace of the new
     * checkpoint.
     */
    private Manifest save(Origin origin, Submitter submitter) {
        ModelCheckpoints style = supported();
        Taken taken = ModelEngine.await(submitter.submit(TaskKind.CHECKPOINT, model -> new Taken(takeOut(style, model),
                WeightsRef.of(engine), engine.state().loss(), engine.state().replacements())));
        Instant now = Instant.now();
        long step = taken.at().step();
        CheckpointStore.Reservation reservation = store.reserveNew(now, step);
        Manifest saved = null;
        CompletableFuture<Boolean> adopted;
        try {
            saved = taken.weights()
                .store(reservation,
                        new Manifest(reservation.id(), now, null, 0, step,
                                Double.isNaN(taken.loss()) ? null : taken.loss(), engine.info().sha256(), style.style(),
                                origin, null));
            // Admitted already: the follow-up never competes for a queue slot.
            adopted = engine.submitFollowUp(TaskKind.CHECKPOINT, model -> {
                try {
                    return current.adoptSaved(reservation.id(), taken.replacements());
                }
                catch (RuntimeException e) {
                    store.discard(reservation);
                    throw e;
                }
            });
        }
        catch (RuntimeException e) {
            if (saved != null) {
                store.discard(reservation);
            }
            reservation.close();
            throw e;
        }
        // Held until the adoption ran, even if this request stops waiting for it.
        adopted.whenComplete((done, failure) -> reservation.close());
        ModelEngine.await(adopted);
        retention.prune();
        log.info("Saved checkpoint {} at step {} ({} bytes)", saved.id(), saved.step(), saved.bytes());
        return saved;
    }

    /**
     * The weights out of the model. The call takes nothing from a request, so a failure
     * is the model's (or the device's), never the caller's.
     */
    private ModelCheckpoints.Taken takeOut(ModelCheckpoints style, LoadedModel model) {
        ModelCheckpoints.Taken taken;
        try {
            taken = style.takeOut(model);
        }
        catch (UnsupportedOpsException e) {
            throw e;
        }
        catch (ModelException e) {
            throw ModelFaultException.raise(engine.state(), "save", engine.info().roles().get("save"),
                    "the server's own call, which takes nothing from the request", e);
        }
        engine.state().faultCleared("save");
        return taken;
    }

    private CheckpointRestorer restorer() {
        return new CheckpointRestorer(engine.state(), store, supported(), engine.info().sha256(),
                engine.info().roles().get("restore"));
    }

    /**
     * {@code POST /checkpoint/restore}: the given checkpoint, or the newest of the
     * device's own that verifies and fits.
     */
    RestoreReport restore(String id) {
        CheckpointRestorer restorer = restorer();
        if (id != null) {
            return restorer.restore(id, engine::submit);
        }
        RestoreReport report = restorer.restoreNewest(engine::submit);
        if (report.restored() == null) {
            if (restorer.fault() != null) {
                throw restorer.fault();
            }
            throw new CheckpointNotFoundException(
                    report.skipped().isEmpty() ? "there is no checkpoint saved on this device to restore"
                            : "no checkpoint saved on this device verifies: " + ModelState.describe(report.skipped()));
        }
        return report;
    }

    /**
     * At startup, before requests are taken: the checkpoint recorded as current, or the
     * newest own one that verifies and fits.
     */
    RestoreReport restoreAtStartup() {
        if (checkpoints.isEmpty()) {
            RestoreReport none = new RestoreReport(Instant.now(), null, List.of());
            engine.state().restoreReported(none);
            return none;
        }
        return restorer().restoreAtStartup(engine::submitFollowUp);
    }

    /** {@code POST /checkpoint/reset}: the weights the model file came with. */
    WeightsRef reset() {
        return ModelEngine.await(engine.submit(TaskKind.CHECKPOINT, model -> {
            current.replace(null, 0, null, model::reset);
            return WeightsRef.of(engine);
        }));
    }

    /**
     * A temp file in the checkpoint directory, for a path-style model to write its
     * weights to (a training job's snapshot); deleted by its user, or as a leftover at
     * startup.
     */
    public Path scratchFile() {
        return store.tempFile();
    }

    /** The usable checkpoints, newest first, and the corrupt ones with the reason. */
    record Listing(List<Manifest> checkpoints, List<Corrupt> corrupt) {
    }

    record Corrupt(String id, String problem) {
    }

    Listing list() {
        List<CheckpointStore.Listed> all = store.scan();
        return new Listing(all.stream().map(CheckpointStore.Listed::manifest).filter(m -> m != null).toList(),
                all.stream().filter(l -> l.manifest() == null).map(l -> new Corrupt(l.id(), l.problem())).toList());
    }

    /**
     * @throws CheckpointDamagedException when its manifest cannot be read or its data is
     * missing
     */
    public Manifest manifest(String id) {
        CheckpointIds.require(id, "id");
        try {
            return store.require(id);
        }
        catch (CorruptCheckpointException e) {
            throw new CheckpointDamagedException(id, e.getMessage());
        }
    }

    /** The weights in memory now. */
    WeightsRef current() {
        return WeightsRef.of(engine);
    }

    /**
     * Deletes a checkpoint, a corrupt one too.
     * @throws CheckpointInUseException for the current checkpoint, or one in use
     */
    void delete(String id) {
        store.delete(CheckpointIds.require(id, "id"));
    }

    record Download(Manifest manifest, byte[] data) {
    }

    /**
     * A checkpoint's file, after verifying it, so a corrupt file never spreads through
     * the fleet.
     * @throws PreconditionFailedException when {@code If-Match} names another version
     */
    Download download(String id, Preconditions conditions) {
        CheckpointIds.require(id, "id");
        try (CheckpointStore.Pin pin = store.pin(id)) {
            Manifest manifest = pin.manifest();
            conditions.check(id, manifest.sha256());
            return new Download(manifest, store.readVerified(manifest));
        }
        catch (CorruptCheckpointException e) {
            throw new CheckpointDamagedException(id, e.getMessage());
        }
    }

    /**
     * @param replaced whether it replaced a checkpoint of that id
     */
    record Uploaded(Manifest manifest, boolean replaced) {
    }

    /**
     * Stores a checkpoint from another device after checking that it decodes and fits
     * this model: under a new id, or in place of the version {@code If-Match} names.
     */
    Uploaded upload(String id, byte[] data, Preconditions conditions) {
        ModelCheckpoints style = supported();
        UploadVerifier.checkRequest(id, data);
        Uploaded uploaded;
        try (CheckpointStore.Reservation reservation = store.reserve(id, conditions)) {
            verifier.checkContent(data);
            uploaded = new Uploaded(store.write(reservation,
                    new Manifest(id, Instant.now(), null, 0, null, null, null, style.style(), Origin.UPLOAD, null),
                    data), reservation.replaces());
        }
        retention.prune();
        return uploaded;
    }

    private ModelCheckpoints supported() {
        return checkpoints.orElseThrow(CheckpointsUnsupportedException::new);
    }

}
