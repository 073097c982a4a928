package dev.edgetrainer.server.model;

import dev.edgetrainer.model.checkpoint.Checkpointer;
import dev.edgetrainer.model.hosting.HostingPlan;
import dev.edgetrainer.model.hosting.HostingSettings;
import dev.edgetrainer.model.runtime.TrainableModel;

/**
 * The interpreter and its checkpointer, handed to {@link ModelTask}s on the interpreter
 * thread. Every accessor checks the calling thread, so a task that leaks the model to
 * another thread fails loudly instead of corrupting it.
 */
public final class LoadedModel implements AutoCloseable {

    private final ModelSource source;

    private final Thread owner;

    private final HostingPlan plan;

    private final TrainableModel.Options options;

    private TrainableModel model;

    private Checkpointer checkpointer;

    /**
     * @throws dev.edgetrainer.model.runtime.ModelException when the file is not a model
     * TFLite loads
     */
    LoadedModel(ModelSource source, HostingSettings settings, TrainableModel.Options options, Thread owner) {
        this.source = source;
        this.options = options;
        this.owner = owner;
        this.model = TrainableModel.load(source.bytes(), source.name(), options);
        try {
            this.plan = HostingPlan.of(model, settings);
        }
        catch (RuntimeException e) {
            model.close();
            throw e;
        }
        this.checkpointer = plan.checkpointer(model);
    }

    /** How the model is hosted, worked out when it loaded. */
    HostingPlan plan() {
        return plan;
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
        model = TrainableModel.load(source.bytes(), source.name(), options);
        checkpointer = plan.checkpointer(model);
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
