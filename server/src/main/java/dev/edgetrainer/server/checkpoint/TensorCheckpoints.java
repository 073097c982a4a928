package dev.edgetrainer.server.checkpoint;

import java.util.Map;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import dev.edgetrainer.model.runtime.InvalidInputException;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.WeightsFile;
import dev.edgetrainer.server.model.LoadedModel;

/**
 * A model whose {@code save()} returns its weights as named tensors: they are stored as a
 * weights file, and every weight is checked against the model before it goes back in.
 */
final class TensorCheckpoints implements ModelCheckpoints {

    private final CheckpointStore store;

    TensorCheckpoints(CheckpointStore store) {
        this.store = store;
    }

    @Override
    public CheckpointStyle style() {
        return CheckpointStyle.TENSORS;
    }

    @Override
    public Taken takeOut(LoadedModel model) {
        Map<String, Tensor> weights = model.checkpointer().save();
        return (reservation, draft) -> store.write(reservation, draft, WeightsFile.encode(weights));
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

}
