package dev.edgetrainer.server.checkpoint;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

import dev.edgetrainer.model.tensor.CorruptCheckpointException;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.WeightsFile;
import dev.edgetrainer.server.model.LoadedModel;
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

    private final Optional<ModelWeights> weights;

    CheckpointService(ModelEngine engine, CheckpointStore store, EdgeProperties properties) {
        this.engine = engine;
        this.store = store;
        this.retention = new Retention(store, properties.checkpoint().keep());
        this.checkpoints = ModelCheckpoints.forModel(engine, store);
        this.weights = checkpoints.map(ModelWeights::new);
    }

    /**
     * The model's weights as named tensors.
     * @throws CheckpointsUnsupportedException when the model has no save/restore
     * signatures
     */
    public ModelWeights weights() {
        return weights.orElseThrow(CheckpointsUnsupportedException::new);
    }

    /** {@code POST /checkpoint/save}. */
    Manifest save() {
        return save(Origin.SAVE, null, engine::submit, model -> {
        });
    }

    /**
     * After a training job; the job was admitted already, so this never competes for a
     * queue slot.
     */
    public Manifest saveAfterTraining() {
        return save(Origin.AUTO_SAVE, null, engine::submitFollowUp, model -> {
        });
    }

    /**
     * Adopts a federated round's global weights: puts them into the model and takes them
     * out for a checkpoint (origin {@code federated}, with the round) in one task, so the
     * checkpoint holds exactly what the model serves and a restart keeps it.
     * @throws CheckpointRejectedException when the weights do not fit; nothing changed
     */
    public Manifest adopt(Map<String, Tensor> global, long round) {
        ModelWeights into = weights();
        return save(Origin.FEDERATED, round, engine::submitFollowUp, model -> {
            into.write(model, global);
            // The weights are no longer those of the last checkpoint; they take the
            // adoption's id once it is stored.
            engine.state().weightsReplaced(null, engine.state().step(), null);
        });
    }

    private record Taken(ModelCheckpoints.Taken weights, WeightsRef at, double loss) {
    }

    private Manifest save(Origin origin, Long round, Submitter submitter, Consumer<LoadedModel> before) {
        ModelCheckpoints style = supported();
        Taken taken = ModelEngine.await(submitter.submit(TaskKind.CHECKPOINT, model -> {
            before.accept(model);
            return new Taken(style.takeOut(model), WeightsRef.of(engine), engine.state().loss());
        }));
        Instant now = Instant.now();
        long step = taken.at().step();
        Manifest draft = new Manifest(CheckpointIds.next(now, step, id -> store.find(id).isPresent()), now, null, 0,
                step, Double.isNaN(taken.loss()) ? null : taken.loss(), engine.info().sha256(), style.style(), origin,
                round);
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
            model.reset();
            engine.state().weightsReplaced(null, 0, null);
            return WeightsRef.of(engine);
        }));
    }

    List<Manifest> list() {
        return store.list();
    }

    public Manifest manifest(String id) {
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
     * A stored checkpoint's weights by name, verified against its manifest first. Both
     * styles' files are weights files: path-style models write them through this
     * runtime's Save kernel.
     * @throws CheckpointNotFoundException when there is no such checkpoint
     * @throws CheckpointRejectedException when it fails verification or does not decode
     */
    public Map<String, Tensor> weightsOf(String id) {
        CheckpointIds.require(id, "id");
        Manifest manifest = store.require(id);
        try {
            return WeightsFile.decode(store.readVerified(manifest));
        }
        catch (CorruptCheckpointException e) {
            throw new CheckpointRejectedException("id", "checkpoint " + id + " cannot be read: " + e.getMessage());
        }
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
        Manifest saved = store.write(
                new Manifest(id, Instant.now(), null, 0, null, null, null, style.style(), Origin.UPLOAD, null), data);
        retention.prune();
        return saved;
    }

    private ModelCheckpoints supported() {
        return checkpoints.orElseThrow(CheckpointsUnsupportedException::new);
    }

}
