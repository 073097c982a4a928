package dev.edgetrainer.server.checkpoint;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

import dev.edgetrainer.model.runtime.InvalidInputException;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.TensorSpec;
import dev.edgetrainer.server.model.LoadedModel;
import dev.edgetrainer.server.model.ModelState;

/**
 * The hosted model's weights as named tensors, whichever checkpoint style it has: a
 * tensor-style model's own save and restore, or a path-style model's through a temp file
 * in this runtime's weights-file format. What federated rounds send and receive, and what
 * evaluation of other weights borrows the model with. Every method runs on the
 * interpreter thread: it takes the model a task is given.
 */
public final class ModelWeights {

    private final ModelCheckpoints style;

    private final CurrentCheckpoint current;

    private final ModelState state;

    private final List<TensorSpec> specs;

    /**
     * @param weights the weights' specs as the model declared them when it loaded
     */
    ModelWeights(ModelCheckpoints style, CurrentCheckpoint current, ModelState state, List<TensorSpec> weights) {
        this.style = style;
        this.current = current;
        this.state = state;
        this.specs = weights.stream().sorted(Comparator.comparing(TensorSpec::name)).toList();
    }

    /** The weights in the model, and which checkpoint, step and loss they stand at. */
    public record Held(Map<String, Tensor> weights, String checkpoint, long step, Double loss) {
    }

    /** Sets the model's weights aside, to {@link #putBack} later. */
    public Held hold(LoadedModel model) {
        return new Held(style.read(model), state.checkpointId(), state.step(),
                Double.isNaN(state.loss()) ? null : state.loss());
    }

    /**
     * Puts weights set aside back, with the checkpoint they descend from as
     * {@code current}, durably: whatever ran on the model since, e.g. a save of the
     * weights in between, the device is where it was.
     */
    public void putBack(LoadedModel model, Held held) {
        current.replace(held.checkpoint(), held.step(), held.loss(), () -> style.write(model, held.weights()));
    }

    /** The weights' names, dtypes and shapes, sorted by name. */
    public List<TensorSpec> specs() {
        return specs;
    }

    /** The weights now in the model, copied out and sorted by name. */
    public SortedMap<String, Tensor> read(LoadedModel model) {
        return new TreeMap<>(style.read(model));
    }

    /**
     * Puts weights into the model once they are checked: the same names, dtypes and
     * shapes as the model's own, and finite.
     * @throws CheckpointRejectedException naming the first weight that does not fit; the
     * model is unchanged
     */
    public void write(LoadedModel model, Map<String, Tensor> weights) {
        try {
            model.checkpointer().check(weights);
        }
        catch (InvalidInputException e) {
            throw CheckpointRejectedException.doesNotFit(e.field(), "the weights", e.getMessage());
        }
        style.write(model, weights);
    }

    /**
     * Runs {@code work} with {@code other} weights in the model and puts the model's own
     * back afterwards, whatever happens, within the one task that calls it: no other task
     * ever sees the borrowed weights.
     * @throws CheckpointRejectedException when {@code other} does not fit; nothing ran
     */
    public <T> T borrow(LoadedModel model, Map<String, Tensor> other, Function<LoadedModel, T> work) {
        Map<String, Tensor> own = style.read(model);
        write(model, other);
        try {
            return work.apply(model);
        }
        finally {
            style.write(model, own);
        }
    }

}
