package dev.edgetrainer.server.checkpoint;

import java.util.Map;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import dev.edgetrainer.model.runtime.InvalidInputException;
import dev.edgetrainer.model.tensor.CorruptCheckpointException;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.WeightsFile;
import dev.edgetrainer.server.model.LoadedModel;
import dev.edgetrainer.server.model.ModelEngine;
import dev.edgetrainer.server.model.TaskKind;

/**
 * A model whose {@code save()} returns its weights as named tensors: they are stored as a
 * weights file, and every weight is checked against the model before it goes back in.
 */
final class TensorCheckpoints implements ModelCheckpoints {

    private final ModelEngine engine;

    private final CheckpointStore store;

    TensorCheckpoints(ModelEngine engine, CheckpointStore store) {
        this.engine = engine;
        this.store = store;
    }

    @Override
    public CheckpointStyle style() {
        return CheckpointStyle.TENSORS;
    }

    @Override
    public Taken takeOut(LoadedModel model) {
        Map<String, Tensor> weights = model.checkpointer().save();
        return draft -> store.write(draft, WeightsFile.encode(weights));
    }

    @Override
    public Map<String, Tensor> read(LoadedModel model) {
        return model.checkpointer().save();
    }

    @Override
    public void write(LoadedModel model, Map<String, Tensor> weights) {
        try {
            model.checkpointer().restore(weights);
        }
        catch (InvalidInputException e) {
            throw CheckpointRejectedException.doesNotFit(e.field(), "the weights", e.getMessage());
        }
    }

    @Override
    public Readied read(Manifest manifest) {
        Map<String, Tensor> weights = WeightsFile.decode(store.readVerified(manifest));
        return model -> {
            try {
                model.checkpointer().restore(weights);
            }
            catch (InvalidInputException e) {
                throw CheckpointRejectedException.doesNotFit(e.field(), "checkpoint " + manifest.id(), e.getMessage());
            }
        };
    }

    @Override
    public void checkUpload(byte[] data) {
        Map<String, Tensor> weights;
        try {
            weights = WeightsFile.decode(data);
        }
        catch (CorruptCheckpointException e) {
            throw new CheckpointRejectedException("file", "not a valid weights file: " + e.getMessage());
        }
        try {
            // The check only reads the signatures, but the checkpointer belongs to the
            // interpreter thread.
            ModelEngine.await(engine.submit(TaskKind.CHECKPOINT, model -> {
                model.checkpointer().check(weights);
                return null;
            }));
        }
        catch (InvalidInputException e) {
            throw CheckpointRejectedException.doesNotFit(e.field(), "the checkpoint", e.getMessage());
        }
    }

}
