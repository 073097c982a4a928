package dev.edgetrainer.server.model;

import dev.edgetrainer.model.checkpoint.Checkpointer;
import dev.edgetrainer.model.runtime.TrainableModel;

/**
 * The interpreter and its checkpointer, handed to {@link ModelTask}s on the interpreter
 * thread. Every accessor checks the calling thread, so a task that leaks the model to
 * another thread fails loudly instead of corrupting it.
 */
public final class LoadedModel implements AutoCloseable {

    private final ModelSource source;

    private final Thread owner;

    private final TrainableModel.Options options;

    private TrainableModel model;

    private Checkpointer checkpointer;

    LoadedModel(ModelSource source, TrainableModel.Options options, Thread owner) {
        this.source = source;
        this.options = options;
        this.owner = owner;
        load();
    }

    private void load() {
        model = TrainableModel.load(source.bytes(), source.name(), options);
        checkpointer = Checkpointer.of(model);
    }

    public TrainableModel model() {
        checkThread();
        return model;
    }

    public Checkpointer checkpointer() {
        checkThread();
        return checkpointer;
    }

    /**
     * Replaces the interpreter with a fresh one from the model file: the original
     * weights, for any style.
     */
    public void reset() {
        checkThread();
        model.close();
        load();
    }

    @Override
    public void close() {
        checkThread();
        model.close();
    }

    private void checkThread() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("the model was touched from " + Thread.currentThread().getName() + "; only "
                    + owner.getName() + " may use it");
        }
    }

}
