package dev.edgetrainer.server.federated;

import java.util.Map;
import java.util.SortedMap;

import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.server.checkpoint.ModelWeights;
import dev.edgetrainer.server.data.TrainingData;
import dev.edgetrainer.server.evaluation.Evaluator;
import dev.edgetrainer.server.model.LoadedModel;
import dev.edgetrainer.server.model.ModelEngine;
import dev.edgetrainer.server.training.JobHooks;
import dev.edgetrainer.server.training.JobResult;

/**
 * A round's local training as a training job borrowing the model: the first step's task
 * sets the device's weights aside and loads the global ones; the last step's task takes
 * the trained weights out, measures them, and puts the device's own back. Between the
 * two, the job's steps train the global weights like any job (so {@code /infer} answers
 * with the weights being trained); after it, whatever happened, the device holds what it
 * held before.
 */
final class RoundTraining implements JobHooks {

    /** Samples the trained weights' accuracy is measured on, at most. */
    static final int MEASURED = 512;

    private final ModelWeights weights;

    private final ModelEngine engine;

    private final Map<String, Tensor> global;

    private final TrainingData samples;

    // Interpreter thread only.
    private ModelWeights.Held own;

    private volatile SortedMap<String, Tensor> trained;

    private volatile Evaluator.Evaluation measured;

    RoundTraining(ModelWeights weights, ModelEngine engine, Map<String, Tensor> global, TrainingData samples) {
        this.weights = weights;
        this.engine = engine;
        this.global = global;
        this.samples = samples;
    }

    @Override
    public void beforeFirstStep(LoadedModel model) {
        ModelWeights.Held before = weights.hold(model);
        weights.write(model, global);
        own = before;
    }

    @Override
    public void afterEnd(LoadedModel model, JobResult result) {
        if (own == null) {
            return;
        }
        try {
            if (result.succeeded()) {
                trained = weights.read(model);
                // On a spread of the samples: this task holds the interpreter, and
                // /infer waits for it. A model without an infer role cannot be measured.
                if (engine.info().inferSpec().isPresent()) {
                    measured = Evaluator.evaluate(model, engine.info(), samples.spread(MEASURED));
                }
            }
        }
        finally {
            weights.putBack(model, own);
            own = null;
        }
    }

    /** The weights the round trained; null unless the job succeeded. */
    SortedMap<String, Tensor> trained() {
        return trained;
    }

    /**
     * The trained weights on (up to {@link #MEASURED} of) the samples they were trained
     * on.
     */
    Evaluator.Evaluation measured() {
        return measured;
    }

}
