package dev.edgetrainer.server.training;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

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
import dev.edgetrainer.server.system.RequestMemory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One posted batch trained for some epochs, one train step per interpreter task: each
 * step queues the next, so inferences interleave with training and a cancel takes effect
 * between steps. All or nothing: before its first step the job copies the weights
 * ({@link WeightsSnapshot}) and marks itself running in the {@code ModelState} (so a
 * restore or reset waits for it to end rather than be undone by it); a job that fails (a
 * step that throws or blows up, see {@link BlowUpCheck}) puts that copy back. A job
 * cancelled by its user keeps the steps it took. A federated round's job is covered the
 * same way: its {@link JobHooks} load the global weights before the copy is taken and put
 * the device's own back after the job ends, however it ends. Progress is written on the
 * interpreter thread and read by anyone.
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

    private volatile boolean blewUp;

    private volatile WeightsRef weights;

    private volatile String checkpoint;

    // Interpreter thread only.
    private final BatchSampler sampler;

    private final BlowUpCheck blowUp;

    private final Supplier<Path> scratchFile;

    /** The heap its samples and snapshot take, returned when it ends. */
    private final RequestMemory.Reservation memory;

    private WeightsSnapshot snapshot;

    private double maxAbsBefore;

    private long stepBefore;

    private double lossBefore;

    private double epochLossSum;

    TrainingJob(String id, String origin, TrainingData data, TrainingOptions options, int batchSize, ModelEngine engine,
            ModelInfo.Train spec, Limits limits, JobHooks hooks, LossHistory history, Consumer<TrainingJob> onFinish) {
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
        this.blowUp = new BlowUpCheck(limits.blowUpFactor());
        this.scratchFile = limits.scratchFile();
        this.memory = limits.memory();
    }

    /**
     * @param blowUpFactor see {@link BlowUpCheck}
     * @param scratchFile where a path-style model may write its snapshot
     * @param memory the heap the job's samples and snapshot take, returned when it ends
     */
    record Limits(double blowUpFactor, Supplier<Path> scratchFile, RequestMemory.Reservation memory) {
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
            finish(model, Status.CANCELLED, "cancelled after " + step + " of " + totalSteps()
                    + " steps; the weights keep the " + step + " steps taken", false);
            return null;
        }
        if (startedAt == null && !begin(model)) {
            return null;
        }
        int inEpoch = step % stepsPerEpoch;
        if (inEpoch == 0 && options.shuffle()) {
            sampler.shuffle();
        }
        float stepLoss;
        try {
            stepLoss = train(model, inEpoch);
        }
        catch (UnsupportedOpsException | InvalidInputException e) {
            fail(model, "step " + (step + 1) + " failed: " + e.getMessage(), false);
            return null;
        }
        catch (ModelException e) {
            // The batch was checked against the signature's declared inputs: whatever the
            // model reports now is its own defect, not the caller's data.
            fail(model,
                    "step " + (step + 1) + " failed: "
                            + ModelFaultException
                                .raise(engine.state(), "train", spec.signature(),
                                        "a batch that fits its declared inputs (" + spec.x() + ", " + spec.y() + ")", e)
                                .getMessage(),
                    false);
            return null;
        }
        catch (RuntimeException e) {
            fail(model, "step " + (step + 1) + " failed: " + e.getMessage(), false);
            return null;
        }
        engine.state().faultCleared("train");
        String blown = blowUp.afterStep(stepLoss);
        if (blown != null) {
            fail(model, "step " + (step + 1) + " (epoch " + (epoch + 1) + ") " + blown, true);
            return null;
        }
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
            String weightsBlown = blowUp.afterJob(maxAbsBefore, snapshot.maxAbsNow(model));
            if (weightsBlown != null) {
                fail(model, "the job " + weightsBlown, true);
            }
            else {
                finish(model, Status.SUCCEEDED, null, false);
            }
            return null;
        }
        try {
            engine.submitFollowUp(TaskKind.TRAIN_STEP, this::step);
        }
        catch (RuntimeException e) {
            fail(model, "stopped after " + step + " steps: " + e.getMessage(), false);
        }
        return null;
    }

    /**
     * Before the first step: the weights become the job's, and a copy of them is taken.
     * @return false when the copy failed and the job with it
     */
    private boolean begin(LoadedModel model) {
        startedAt = Instant.now();
        status = Status.RUNNING;
        stepBefore = engine.state().step();
        lossBefore = engine.state().loss();
        engine.state().jobStarted(id);
        try {
            hooks.beforeFirstStep(model);
        }
        catch (RuntimeException e) {
            finish(model, Status.FAILED, "could not start: " + e.getMessage(), false);
            return false;
        }
        try {
            snapshot = WeightsSnapshot.take(model, scratchFile);
            maxAbsBefore = snapshot.maxAbs();
            return true;
        }
        catch (RuntimeException e) {
            finish(model, Status.FAILED,
                    "the weights could not be copied before the first step, so nothing was trained: " + e.getMessage(),
                    false);
            return false;
        }
    }

    /** Ends the job as failed, with the weights put back as they were before it. */
    private void fail(LoadedModel model, String why, boolean blown) {
        blewUp = blown;
        if (!snapshot.canRestore()) {
            finish(model, Status.FAILED,
                    why + "; this model's weights cannot be copied, so the " + step + " steps taken before stay",
                    false);
            return;
        }
        try {
            snapshot.restore(model);
        }
        catch (RuntimeException e) {
            log.error("Training job {} failed and its weights could not be put back", id, e);
            finish(model, Status.FAILED, why + "; putting the weights back failed too: " + e.getMessage(), false);
            return;
        }
        finish(model, Status.FAILED, why + "; the weights were put back as they were before the job", true);
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
    private void finish(LoadedModel model, Status outcome, String message, boolean rolledBack) {
        // First: the weights are no longer the job's, and the hooks may replace them.
        if (startedAt != null) {
            engine.state().jobEnded(id, rolledBack, stepBefore, lossBefore);
        }
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
        if (snapshot != null) {
            snapshot.close();
        }
        memory.close();
        finishedAt = Instant.now();
        if (startedAt == null) {
            startedAt = finishedAt;
        }
        onFinish.accept(this);
    }

    JobResult result() {
        synchronized (epochLosses) {
            return new JobResult(id, status == Status.SUCCEEDED, error, blewUp, epochLosses, samples, step);
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

    /** Returns the job's memory when it never ran (its first step was not queued). */
    void release() {
        memory.close();
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

    /** Whether it failed because a step or its weights blew up (the data's doing). */
    boolean blewUp() {
        return blewUp;
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
