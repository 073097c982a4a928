package dev.edgetrainer.server.training;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import dev.edgetrainer.model.runtime.InvalidInputException;
import dev.edgetrainer.model.runtime.ModelException;
import dev.edgetrainer.model.runtime.UnsupportedOpsException;
import dev.edgetrainer.server.data.TrainingData;
import dev.edgetrainer.server.model.LoadedModel;
import dev.edgetrainer.server.model.ModelEngine;
import dev.edgetrainer.server.model.ModelFaultException;
import dev.edgetrainer.server.model.ModelInfo;
import dev.edgetrainer.server.model.TaskKind;
import dev.edgetrainer.server.model.WeightsRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One posted batch trained for some epochs, one train step per interpreter task: each
 * step queues the next, so inferences interleave with training and a cancel takes effect
 * between steps. Progress is written on the interpreter thread and read by anyone.
 */
final class TrainingJob {

    private static final Logger log = LoggerFactory.getLogger(TrainingJob.class);

    enum Status {

        QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED

    }

    final String id;

    final int samples;

    final TrainingOptions options;

    final int batchSize;

    final int stepsPerEpoch;

    final Instant createdAt = Instant.now();

    final CompletableFuture<TrainingJob> done = new CompletableFuture<>();

    private final ModelEngine engine;

    private final ModelInfo.Train spec;

    private final List<Double> epochLosses = new ArrayList<>();

    private final Consumer<TrainingJob> onFinish;

    private final JobHooks hooks;

    /**
     * Who started the job: {@code request} ({@code POST /train}) or {@code federated}.
     */
    final String origin;

    /** The samples to keep once the job succeeds; null when they are not to be kept. */
    private volatile TrainingData toKeep;

    private volatile Integer kept;

    private final LossHistory history;

    private volatile Status status = Status.QUEUED;

    private volatile boolean cancelRequested;

    private volatile int epoch;

    private volatile int step;

    private volatile double loss = Double.NaN;

    private volatile Instant startedAt;

    private volatile Instant finishedAt;

    private volatile String error;

    private volatile boolean nonFinite;

    private volatile WeightsRef weights;

    private volatile String checkpoint;

    // Interpreter thread only.
    private final BatchSampler sampler;

    private final NonFiniteGuard guard;

    private double epochLossSum;

    TrainingJob(String id, String origin, TrainingData data, TrainingOptions options, int batchSize, ModelEngine engine,
            ModelInfo.Train spec, boolean guard, JobHooks hooks, LossHistory history, Consumer<TrainingJob> onFinish) {
        this.onFinish = onFinish;
        this.origin = origin;
        this.hooks = hooks;
        this.toKeep = options.keep() ? data : null;
        this.history = history;
        this.id = id;
        this.samples = data.count();
        this.options = options;
        this.batchSize = batchSize;
        this.engine = engine;
        this.spec = spec;
        this.sampler = new BatchSampler(data, spec, batchSize, id.hashCode());
        this.stepsPerEpoch = sampler.stepsPerEpoch();
        this.guard = new NonFiniteGuard(guard && engine.info().checkpointStyle() == CheckpointStyle.TENSORS);
    }

    int totalSteps() {
        return stepsPerEpoch * options.epochs();
    }

    /**
     * The task that runs the next step; the first one is submitted by the service, the
     * rest by the job.
     */
    Void step(LoadedModel model) {
        if (cancelRequested) {
            finish(model, Status.CANCELLED, "cancelled after " + step + " of " + totalSteps() + " steps");
            return null;
        }
        if (startedAt == null) {
            startedAt = Instant.now();
            status = Status.RUNNING;
            try {
                hooks.beforeFirstStep(model);
            }
            catch (RuntimeException e) {
                finish(model, Status.FAILED, "could not start: " + e.getMessage());
                return null;
            }
        }
        int inEpoch = step % stepsPerEpoch;
        if (inEpoch == 0 && options.shuffle()) {
            sampler.shuffle();
        }
        guard.beforeStep(model.checkpointer(), inEpoch);
        float stepLoss;
        try {
            stepLoss = train(model, inEpoch);
        }
        catch (UnsupportedOpsException | InvalidInputException e) {
            finish(model, Status.FAILED, "step " + (step + 1) + " failed: " + e.getMessage());
            return null;
        }
        catch (ModelException e) {
            // The batch was checked against the signature's declared inputs: whatever the
            // model reports now is its own defect, not the caller's data.
            finish(model, Status.FAILED,
                    "step " + (step + 1) + " failed: "
                            + ModelFaultException
                                .raise(engine.state(), "train", spec.signature(),
                                        "a batch that fits its declared inputs (" + spec.x() + ", " + spec.y() + ")", e)
                                .getMessage());
            return null;
        }
        catch (RuntimeException e) {
            finish(model, Status.FAILED, "step " + (step + 1) + " failed: " + e.getMessage());
            return null;
        }
        engine.state().faultCleared("train");
        if (!Float.isFinite(stepLoss)) {
            nonFinite = true;
            NonFiniteGuard.Undo undo = guard.undo(model.checkpointer(), inEpoch, replayed -> train(model, replayed));
            String outcome = switch (undo) {
                case EXACT -> "; the weights were put back as they were before that step";
                case SNAPSHOT -> {
                    int lost = guard.lostSteps(inEpoch);
                    engine.state().stepsUndone(lost);
                    yield "; replaying the " + lost + " steps since the last snapshot did not reproduce their "
                            + "losses, so the weights were put back as they were before step " + (step + 1 - lost);
                }
                case OFF -> "; this model's weights cannot be snapshotted, so that step could not be undone";
            };
            finish(model, Status.FAILED,
                    "step " + (step + 1) + " (epoch " + (epoch + 1) + ") produced loss " + stepLoss + outcome);
            return null;
        }
        guard.afterStep(inEpoch, stepLoss);
        int size = sampler.size(inEpoch);
        engine.state().stepDone(size, stepLoss);
        history.record(engine.state().step(), stepLoss, Instant.now());
        loss = stepLoss;
        epochLossSum += (double) stepLoss * size;
        step++;
        if (step % stepsPerEpoch == 0) {
            synchronized (epochLosses) {
                epochLosses.add(epochLossSum / samples);
            }
            epochLossSum = 0;
            epoch++;
        }
        if (step == totalSteps()) {
            finish(model, Status.SUCCEEDED, null);
            return null;
        }
        try {
            engine.submitFollowUp(TaskKind.TRAIN_STEP, this::step);
        }
        catch (RuntimeException e) {
            finish(model, Status.FAILED, "stopped after " + step + " steps: " + e.getMessage());
        }
        return null;
    }

    /**
     * One train step on batch {@code inEpoch} of the current epoch's order; returns its
     * loss.
     */
    private float train(LoadedModel model, int inEpoch) {
        return model.model().run(spec.signature(), sampler.batch(inEpoch)).get(spec.loss()).scalarFloat();
    }

    /**
     * Runs on the interpreter thread; the auto-save (if any) completes {@link #done}
     * later.
     */
    private void finish(LoadedModel model, Status outcome, String message) {
        status = outcome;
        error = message;
        try {
            hooks.afterEnd(model, result());
        }
        catch (RuntimeException e) {
            log.error("Training job {}: the work after its end failed", id, e);
            status = Status.FAILED;
            error = (message == null ? "" : message + "; ") + "the work after the job failed: " + e.getMessage();
        }
        weights = WeightsRef.of(engine);
        sampler.release();
        guard.release();
        finishedAt = Instant.now();
        if (startedAt == null) {
            startedAt = finishedAt;
        }
        onFinish.accept(this);
    }

    JobResult result() {
        synchronized (epochLosses) {
            return new JobResult(id, status == Status.SUCCEEDED, error, nonFinite, epochLosses, samples, step);
        }
    }

    /** The samples to keep, once; null when there are none to keep. */
    TrainingData takeSamplesToKeep() {
        TrainingData data = toKeep;
        toKeep = null;
        return status == Status.SUCCEEDED ? data : null;
    }

    void kept(int count) {
        kept = count;
    }

    void failedToKeep(String message) {
        kept = 0;
        error = "trained, but the samples could not be kept: " + message;
    }

    void cancel() {
        cancelRequested = true;
    }

    void savedAs(String checkpointId) {
        checkpoint = checkpointId;
    }

    void failedToSave(String message) {
        error = "trained, but the auto-save failed: " + message;
    }

    boolean isFinished() {
        return finishedAt != null;
    }

    Status status() {
        return status;
    }

    boolean producedNonFiniteLoss() {
        return nonFinite;
    }

    String error() {
        return error;
    }

    JobView view() {
        List<Double> losses;
        synchronized (epochLosses) {
            losses = List.copyOf(epochLosses);
        }
        Instant end = finishedAt != null ? finishedAt : Instant.now();
        Long duration = startedAt == null ? null : Duration.between(startedAt, end).toMillis();
        return new JobView(id, origin, status, cancelRequested && !isFinished(), epoch, options.epochs(), step,
                totalSteps(), samples, batchSize, Double.isNaN(loss) ? null : loss, losses, createdAt, startedAt,
                finishedAt, duration, error, checkpoint, kept, weights);
    }

}
