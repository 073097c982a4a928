package dev.edgetrainer.server.evaluation;

import java.util.Map;

import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.server.checkpoint.CheckpointService;
import dev.edgetrainer.server.checkpoint.Manifest;
import dev.edgetrainer.server.checkpoint.ModelWeights;
import dev.edgetrainer.server.data.NoSamplesException;
import dev.edgetrainer.server.data.SampleStore;
import dev.edgetrainer.server.data.TrainingData;
import dev.edgetrainer.server.model.ModelEngine;
import dev.edgetrainer.server.model.TaskKind;
import dev.edgetrainer.server.model.WeightsRef;

import org.springframework.stereotype.Service;

/**
 * {@code POST /evaluate}: some weights measured on some samples, in one interpreter task.
 * Other weights than the device's own (a checkpoint's) are borrowed within that task and
 * the device's put back before it ends, so nothing else ever runs on them.
 */
@Service
class EvaluationService {

    private final ModelEngine engine;

    private final SampleStore store;

    private final CheckpointService checkpoints;

    private final EvaluationMetrics metrics;

    EvaluationService(ModelEngine engine, SampleStore store, CheckpointService checkpoints, EvaluationMetrics metrics) {
        this.engine = engine;
        this.store = store;
        this.checkpoints = checkpoints;
        this.metrics = metrics;
    }

    /**
     * @param data true when the samples were uploaded, false for the validation samples
     * @param weights which weights were measured
     */
    record Result(String data, Evaluator.Evaluation evaluation, WeightsRef weights) {
    }

    /**
     * @param uploaded labelled samples to measure on; null for the device's validation
     * samples
     * @param checkpoint whose weights to measure; null for the device's current weights
     * @throws NoSamplesException when no samples were uploaded and none are held out
     */
    Result evaluate(TrainingData uploaded, String checkpoint) {
        TrainingData data = uploaded != null ? uploaded : store.load(SampleStore.Split.VALIDATION);
        if (data == null) {
            throw new NoSamplesException("the device holds no validation samples yet: keep samples with "
                    + "POST /train?keep=true, or upload a labelled set to evaluate on");
        }
        String on = uploaded != null ? "upload" : "validation";
        if (checkpoint == null) {
            Result result = ModelEngine.await(engine.submit(TaskKind.EVALUATE,
                    model -> new Result(on, Evaluator.evaluate(model, engine.info(), data), WeightsRef.of(engine))));
            if (uploaded == null) {
                metrics.ownWeightsMeasured(result.evaluation());
            }
            return result;
        }
        Manifest manifest = checkpoints.manifest(checkpoint);
        Map<String, Tensor> other = checkpoints.weightsOf(checkpoint);
        ModelWeights weights = checkpoints.weights();
        Evaluator.Evaluation evaluation = ModelEngine.await(engine.submit(TaskKind.EVALUATE,
                model -> weights.borrow(model, other, borrowed -> Evaluator.evaluate(borrowed, engine.info(), data))));
        return new Result(on, evaluation,
                new WeightsRef(engine.info().sha256(), manifest.id(), manifest.step() == null ? 0 : manifest.step()));
    }

}
