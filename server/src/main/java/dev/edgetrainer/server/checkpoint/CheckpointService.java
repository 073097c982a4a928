package dev.edgetrainer.server.checkpoint;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.edgetrainer.model.tensor.CorruptCheckpointException;
import dev.edgetrainer.server.model.ModelEngine;
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
                model -> new Taken(style.takeOut(model), WeightsRef.of(engine), engine.state().loss())));
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
     * {@code POST /checkpoint/restore}: the given checkpoint, or the newest that verifies
     * and fits.
     */
    RestoreReport restore(String id) {
        CheckpointRestorer restorer = new CheckpointRestorer(engine.state(), store, supported());
        if (id != null) {
            return restorer.restore(id, engine::submit);
        }
        RestoreReport report = restorer.restoreNewest(engine::submit);
        if (report.restored() == null) {
            throw new CheckpointNotFoundException(report.skipped().isEmpty() ? "there is no checkpoint to restore"
                    : "no checkpoint verifies: " + report.skipped());
        }
        return report;
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
        return new CheckpointRestorer(engine.state(), store, checkpoints.get()).restoreNewest(engine::submitFollowUp);
    }

    /** {@code POST /checkpoint/reset}: the weights the model file came with. */
    WeightsRef reset() {
        return ModelEngine.await(engine.submit(TaskKind.CHECKPOINT, model -> {
            engine.state().requireNoRunningJob("resetting the weights");
            model.reset();
            engine.state().weightsReplaced(null, 0, null);
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
