package dev.edgetrainer.server.training;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.TensorSpec;
import dev.edgetrainer.server.model.LoadedModel;
import dev.edgetrainer.server.model.ModelEngine;
import dev.edgetrainer.server.model.ModelInfo;
import dev.edgetrainer.server.model.TaskKind;
import dev.edgetrainer.server.model.WeightsRef;

/**
 * One posted batch trained for some epochs, one train step per interpreter task: each
 * step queues the next, so inferences interleave with training and a cancel takes effect
 * between steps. Progress is written on the interpreter thread and read by anyone.
 */
final class TrainingJob {

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

    private final boolean guard;

    private final List<Double> epochLosses = new ArrayList<>();

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
    private TrainingData data;

    private final int[] order;

    /**
     * Reused by every step on the interpreter thread: the batch buffers and the snapshot
     * of the weights.
     */
    private final float[][] buffers = new float[2][];

    private Map<String, Tensor> snapshot = Map.of();

    /** The batch of the current epoch before which {@link #snapshot} was taken. */
    private int snapshotAt;

    private final Random random;

    private double epochLossSum;

    private final Consumer<TrainingJob> onFinish;

    private final LossHistory history;

    /**
     * Steps between weight snapshots. Copying the weights costs about a tenth of a step,
     * so instead of every step the guard snapshots every few and, when a loss is not
     * finite, replays from the snapshot.
     */
    private static final int SNAPSHOT_EVERY = 32;

    TrainingJob(String id, TrainingData data, TrainingOptions options, int batchSize, ModelEngine engine,
            ModelInfo.Train spec, boolean guard, LossHistory history, Consumer<TrainingJob> onFinish) {
        this.onFinish = onFinish;
        this.history = history;
        this.id = id;
        this.data = data;
        this.samples = data.count();
        this.options = options;
        this.batchSize = batchSize;
        this.stepsPerEpoch = (samples + batchSize - 1) / batchSize;
        this.engine = engine;
        this.spec = spec;
        this.guard = guard && engine.info().checkpointStyle() == CheckpointStyle.TENSORS;
        this.order = new int[samples];
        for (int i = 0; i < samples; i++) {
            order[i] = i;
        }
        this.random = new Random(id.hashCode());
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
            finish(Status.CANCELLED, "cancelled after " + step + " of " + totalSteps() + " steps");
            return null;
        }
        if (startedAt == null) {
            startedAt = Instant.now();
            status = Status.RUNNING;
        }
        int inEpoch = step % stepsPerEpoch;
        if (inEpoch == 0 && options.shuffle()) {
            shuffle();
        }
        if (guard && inEpoch % SNAPSHOT_EVERY == 0) {
            snapshot = model.checkpointer().saveInto(snapshot);
            snapshotAt = inEpoch;
        }
        float stepLoss;
        try {
            stepLoss = train(model, inEpoch);
        }
        catch (RuntimeException e) {
            finish(Status.FAILED, "step " + (step + 1) + " failed: " + e.getMessage());
            return null;
        }
        if (!Float.isFinite(stepLoss)) {
            nonFinite = true;
            if (guard) {
                undo(model, inEpoch);
            }
            finish(Status.FAILED,
                    "step " + (step + 1) + " (epoch " + (epoch + 1) + ") produced loss " + stepLoss + (guard
                            ? "; the weights were put back as they were before that step"
                            : "; this model's weights cannot be snapshotted, so that step could not be undone"));
            return null;
        }
        int from = inEpoch * batchSize;
        int to = Math.min(from + batchSize, samples);
        engine.state().stepDone(to - from, stepLoss);
        history.record(engine.state().step(), stepLoss, Instant.now());
        loss = stepLoss;
        epochLossSum += (double) stepLoss * (to - from);
        step++;
        if (step % stepsPerEpoch == 0) {
            synchronized (epochLosses) {
                epochLosses.add(epochLossSum / samples);
            }
            epochLossSum = 0;
            epoch++;
        }
        if (step == totalSteps()) {
            finish(Status.SUCCEEDED, null);
            return null;
        }
        try {
            engine.submitFollowUp(TaskKind.TRAIN_STEP, this::step);
        }
        catch (RuntimeException e) {
            finish(Status.FAILED, "stopped after " + step + " steps: " + e.getMessage());
        }
        return null;
    }

    /**
     * One train step on batch {@code inEpoch} of the current epoch's order; returns its
     * loss.
     */
    private float train(LoadedModel model, int inEpoch) {
        int from = inEpoch * batchSize;
        int to = Math.min(from + batchSize, samples);
        Map<String, Tensor> inputs = Map.of(spec.x().name(), batch(from, to, data.xSize(), spec.x(), data::copyX, 0),
                spec.y().name(), batch(from, to, data.ySize(), spec.y(), data::copyY, 1));
        return model.model().run(spec.signature(), inputs).get(spec.loss()).scalarFloat();
    }

    /**
     * Puts the weights back as they were before step {@code inEpoch}: the last snapshot,
     * then the steps since it replayed. TFLite's CPU kernels are deterministic, so the
     * replay ends exactly where that step began.
     */
    private void undo(LoadedModel model, int inEpoch) {
        model.checkpointer().restore(snapshot);
        for (int replayed = snapshotAt; replayed < inEpoch; replayed++) {
            train(model, replayed);
        }
    }

    private void shuffle() {
        for (int i = samples - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

    private interface SampleCopier {

        void copy(int sample, float[] out, int offset);

    }

    /**
     * A batch in a buffer kept for the job (slot 0 for x, 1 for y): a step allocates
     * nothing when sizes repeat.
     */
    private Tensor batch(int from, int to, int size, TensorSpec spec, SampleCopier copier, int slot) {
        int length = (to - from) * size;
        if (buffers[slot] == null || buffers[slot].length != length) {
            buffers[slot] = new float[length];
        }
        float[] out = buffers[slot];
        for (int i = from; i < to; i++) {
            copier.copy(order[i], out, (i - from) * size);
        }
        int[] shape = spec.shape();
        shape[0] = to - from;
        return Tensor.ofFloats(shape, out);
    }

    /**
     * Runs on the interpreter thread; the auto-save (if any) completes {@link #done}
     * later.
     */
    private void finish(Status outcome, String message) {
        status = outcome;
        error = message;
        weights = WeightsRef.of(engine);
        data = null;
        snapshot = Map.of();
        buffers[0] = null;
        buffers[1] = null;
        finishedAt = Instant.now();
        if (startedAt == null) {
            startedAt = finishedAt;
        }
        onFinish.accept(this);
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
        return new JobView(id, status, cancelRequested && !isFinished(), epoch, options.epochs(), step, totalSteps(),
                samples, batchSize, Double.isNaN(loss) ? null : loss, losses, createdAt, startedAt, finishedAt,
                duration, error, checkpoint, weights);
    }

    /**
     * What {@code POST /train} and {@code GET /train/jobs/{id}} show.
     *
     * @param loss the loss of the last step
     * @param epochLosses the mean loss of each finished epoch
     * @param checkpoint the checkpoint auto-saved after the job, if any
     */
    record JobView(String id, Status status, boolean cancelling, int epoch, int epochs, int step, int steps,
            int samples, int batchSize, Double loss, List<Double> epochLosses, Instant createdAt, Instant startedAt,
            Instant finishedAt, Long durationMs, String error, String checkpoint, WeightsRef weights) {
    }

}
