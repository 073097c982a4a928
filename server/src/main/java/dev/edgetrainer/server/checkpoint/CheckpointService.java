package dev.edgetrainer.server.checkpoint;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.edgetrainer.model.runtime.ModelException;
import dev.edgetrainer.model.runtime.UnsupportedOpsException;
import dev.edgetrainer.model.tensor.CorruptCheckpointException;
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
 * {@link CheckpointRestorer}, the {@link UploadVerifier} and {@link Retention}.
 */
@Service
public class CheckpointService {

    private static final Logger log = LoggerFactory.getLogger(CheckpointService.class);

    private final ModelEngine engine;

    private final CheckpointStore store;

    private final Retention retention;

    /** Empty when the model has no save/restore signatures. */
    private final Optional<ModelCheckpoints> checkpoints;

    CheckpointService(ModelEngine engine, CheckpointStore store, EdgeProperties properties) {
        this.engine = engine;
        this.store = store;
        this.retention = new Retention(store, properties.checkpoint().keep());
        this.checkpoints = ModelCheckpoints.forModel(engine, store);
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

    private record Taken(ModelCheckpoints.Taken weights, WeightsRef at, double loss) {
    }

    private Manifest save(Origin origin, Submitter submitter) {
        ModelCheckpoints style = supported();
        Taken taken = ModelEngine.await(submitter.submit(TaskKind.CHECKPOINT,
                model -> new Taken(takeOut(style, model), WeightsRef.of(engine), engine.state().loss())));
        Instant now = Instant.now();
        long step = taken.at().step();
        Manifest draft = new Manifest(CheckpointIds.next(now, step, id -> store.find(id).isPresent()), now, null, 0,
                step, Double.isNaN(taken.loss()) ? null : taken.loss(), engine.info().sha256(), style.style(), origin);
        Manifest saved = taken.weights().store(draft);
        engine.state().savedAs(saved.id());
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

    /**
     * {@code POST /checkpoint/restore}: the given checkpoint, or the newest that verifies
     * and fits.
     */
    RestoreReport restore(String id) {
        CheckpointRestorer restorer = restorer(supported());
        if (id != null) {
            return restorer.restore(id, engine::submit);
        }
        RestoreReport report = restorer.restoreNewest(engine::submit);
        if (report.restored() == null) {
            if (restorer.fault() != null) {
                throw restorer.fault();
            }
            throw new CheckpointNotFoundException(report.skipped().isEmpty() ? "there is no checkpoint to restore"
                    : "no checkpoint verifies: " + ModelState.describe(report.skipped()));
        }
        return report;
    }

    private CheckpointRestorer restorer(ModelCheckpoints style) {
        return new CheckpointRestorer(engine.state(), store, style, engine.info().sha256(),
                engine.info().roles().get("restore"));
    }

    /**
     * At startup, before requests are taken: the newest checkpoint that verifies and
     * fits, if any.
     */
    RestoreReport restoreNewestAtStartup() {
        if (checkpoints.isEmpty()) {
            RestoreReport none = new RestoreReport(Instant.now(), null, List.of());
            engine.state().restoreReported(none);
            return none;
        }
        return restorer(checkpoints.get()).restoreNewest(engine::submitFollowUp);
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
        return store.require(CheckpointIds.require(id, "id"));
    }

    /** The weights in memory now. */
    WeightsRef current() {
        return WeightsRef.of(engine);
    }

    void delete(String id) {
        store.delete(CheckpointIds.require(id, "id"));
    }

    record Download(Manifest manifest, byte[] data) {
    }

    /**
     * A checkpoint's file, after verifying it, so a corrupt file never spreads through
     * the fleet.
     */
    Download download(String id) {
        CheckpointIds.require(id, "id");
        try {
            Manifest manifest = store.require(id);
            return new Download(manifest, store.readVerified(manifest));
        }
        catch (CorruptCheckpointException e) {
            throw new CheckpointDamagedException(id, e.getMessage());
        }
    }

    /**
     * Stores a checkpoint from another device after checking that it decodes and fits
     * this model.
     */
    Manifest upload(String id, byte[] data) {
        ModelCheckpoints style = supported();
        new UploadVerifier(store, style).verify(id, data);
        Manifest saved = store
            .write(new Manifest(id, Instant.now(), null, 0, null, null, null, style.style(), Origin.UPLOAD), data);
        retention.prune();
        return saved;
    }

    private ModelCheckpoints supported() {
        return checkpoints.orElseThrow(CheckpointsUnsupportedException::new);
    }

}
