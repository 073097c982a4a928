package dev.edgetrainer.server.training;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.edgetrainer.model.runtime.UnsupportedOpsException;
import dev.edgetrainer.server.checkpoint.CheckpointService;
import dev.edgetrainer.server.data.SampleStore;
import dev.edgetrainer.server.data.TrainingData;
import dev.edgetrainer.server.inference.RecentSamples;
import dev.edgetrainer.server.model.ModelEngine;
import dev.edgetrainer.server.model.ModelInfo;
import dev.edgetrainer.server.model.TaskKind;
import dev.edgetrainer.server.system.BadInputException;
import dev.edgetrainer.server.system.EdgeProperties;
import dev.edgetrainer.server.system.RequestMemory;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Service;

/**
 * Runs training jobs, one at a time: two jobs interleaving steps on one set of weights
 * would only make both meaningless. Finished jobs stay visible
 * ({@code edge.train.jobs-kept}); an auto-save follows each successful job when
 * {@code edge.checkpoint.auto-save} is on.
 */
@Service
public class TrainingService {

    private static final Logger log = LoggerFactory.getLogger(TrainingService.class);

    private static final String REQUEST = "request";

    private static final String FEDERATED = "federated";

    private final ModelEngine engine;

    private final CheckpointService checkpoints;

    private final SampleStore samples;

    private final LossHistory history;

    private final RecentSamples recent;

    private final EdgeProperties.Train settings;

    private final boolean autoSave;

    private final Map<String, TrainingJob> jobs = new LinkedHashMap<>();

    /**
     * Finishing touches off the interpreter thread: an auto-save waits for the
     * interpreter itself.
     */
    private final ExecutorService finisher = Executors.newSingleThreadExecutor(r -> new Thread(r, "edge-train-finish"));

    private TrainingJob active;

    /**
     * Measured cost of one sample's train step, to tell quick jobs from ones that should
     * answer 202 at once.
     */
    private volatile double nanosPerSample;

    TrainingService(ModelEngine engine, CheckpointService checkpoints, SampleStore samples, LossHistory history,
            RecentSamples recent, EdgeProperties properties) {
        this.engine = engine;
        this.history = history;
        this.recent = recent;
        this.checkpoints = checkpoints;
        this.samples = samples;
        this.settings = properties.train();
        this.autoSave = properties.checkpoint().autoSave();
    }

    /**
     * Starts a job on checked data.
     * @throws TrainingRunningException while another job runs
     * @throws dev.edgetrainer.server.model.QueueFullException when the queue is full
     * @throws UnsupportedOpsException when the model's train signature needs ops this
     * runtime lacks
     */
    synchronized TrainingJob start(TrainingData data, TrainingOptions options, ModelInfo.Train spec) {
        return start(REQUEST, data, options, spec, JobHooks.NONE);
    }

    /** A job started for another capability: its id, and its result once it ended. */
    public record Handle(String id, CompletableFuture<JobResult> result) {
    }

    /**
     * Gives a running job {@code wait} to end.
     * @throws TrainingRunningException when one is still running after that
     */
    public void awaitIdle(Duration wait) {
        TrainingJob running = runningJob();
        if (running == null) {
            return;
        }
        try {
            running.done.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (TimeoutException | ExecutionException e) {
            throw new TrainingRunningException(running.id);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TrainingRunningException(running.id);
        }
    }

    /**
     * Starts a federated round's local training: a job like any other (one step per task,
     * listed under {@code /train/jobs}), whose samples are not kept again and which is
     * never auto-saved.
     * @throws TrainingRunningException when a job is running
     * @throws dev.edgetrainer.server.model.NotTrainableException when the model has no
     * usable train signature
     */
    public Handle startRound(TrainingData data, int epochs, int batchSize, JobHooks hooks) {
        TrainingOptions options = new TrainingOptions(epochs, batchSize, settings.shuffle(), true, false);
        TrainingJob job = start(FEDERATED, data, options, engine.info().requireTrain(), hooks);
        return new Handle(job.id, job.done.thenApply(TrainingJob::result));
    }

    private synchronized TrainingJob runningJob() {
        return active != null && !active.isFinished() ? active : null;
    }

    private synchronized TrainingJob start(String origin, TrainingData data, TrainingOptions options,
            ModelInfo.Train spec, JobHooks hooks) {
        Set<String> missing = engine.info().missingOps().getOrDefault(spec.signature(), Set.of());
        if (!missing.isEmpty()) {
            throw new UnsupportedOpsException(spec.signature(), missing);
        }
        refuseWhileRunning();
        int fixed = spec.x().dim(0);
        int batchSize = fixed > 0 ? fixed : Math.min(options.batchSize(), data.count());
        if (fixed > 0 && data.count() % fixed != 0) {
            throw new BadInputException("x", "this model trains on batches of exactly " + fixed + " samples; "
                    + data.count() + " is not a multiple of it");
        }
        // The samples outlive the request, and the job copies the weights (twice, with
        // the check at its end): the memory they take stays reserved until it ends.
        RequestMemory memory = RequestMemory.current();
        long weightCopies = 2 * weightsBytes();
        memory.reserve(weightCopies, null, "copying the model's weights to undo a failed job with");
        TrainingJob job = new TrainingJob(UUID.randomUUID().toString(), origin, data, options, batchSize, engine, spec,
                new TrainingJob.Limits(settings.blowUpFactor(), checkpoints::scratchFile,
                        memory.handOver(data.bytes() + weightCopies)),
                hooks, history, this::finished);
        try {
            engine.submit(TaskKind.TRAIN_STEP, job::step);
        }
        catch (RuntimeException e) {
            job.release();
            throw e;
        }
        recent.record(RecentSamples.Source.TRAIN, data.count(), data::copyX,
                index -> data.label(index, spec.targets()));
        active = job;
        jobs.put(job.id, job);
        forgetOldJobs();
        return job;
    }

    /**
     * Refuses a training request while a job runs, before its body is read: two jobs
     * interleaving steps would only make both meaningless.
     * @throws TrainingRunningException while a job runs
     */
    synchronized void refuseWhileRunning() {
        TrainingJob running = runningJob();
        if (running != null) {
            throw new TrainingRunningException(running.id);
        }
    }

    private long weightsBytes() {
        return engine.info()
            .weights()
            .stream()
            .mapToLong(w -> Arrays.stream(w.shape()).asLongStream().reduce(Float.BYTES, (a, b) -> a * b))
            .sum();
    }

    /** Cancels a job between steps, e.g. a round whose server went away. */
    public void cancel(Handle handle) {
        cancel(handle.id());
    }

    private void forgetOldJobs() {
        List<String> finished = new ArrayList<>();
        jobs.values().stream().filter(TrainingJob::isFinished).forEach(j -> finished.add(j.id));
        for (int i = 0; i < finished.size() - settings.jobsKept(); i++) {
            jobs.remove(finished.get(i));
        }
    }

    /**
     * Whether a job should not keep its request waiting, judged from the speed of earlier
     * steps.
     */
    boolean expectedToBeSlow(TrainingJob job) {
        double expected = nanosPerSample * job.samples * job.options.epochs();
        return expected > settings.syncTimeout().toNanos();
    }

    /**
     * Waits for a job up to the sync timeout; true when it finished (auto-save included)
     * in time.
     */
    boolean awaitQuickly(TrainingJob job) {
        try {
            job.done.get(settings.syncTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return true;
        }
        catch (TimeoutException e) {
            return false;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    synchronized TrainingJob job(String id) {
        TrainingJob job = jobs.get(id);
        if (job == null) {
            throw new JobNotFoundException(id, settings.jobsKept());
        }
        return job;
    }

    synchronized List<JobView> jobs() {
        List<JobView> views = new ArrayList<>(jobs.values().stream().map(TrainingJob::view).toList());
        Collections.reverse(views);
        return views;
    }

    /**
     * Asks a job to stop before its next step; the weights keep the steps already taken.
     */
    TrainingJob cancel(String id) {
        TrainingJob job = job(id);
        job.cancel();
        return job;
    }

    /** Called on the interpreter thread when a job ends. */
    private void finished(TrainingJob job) {
        JobView view = job.view();
        if (view.durationMs() != null && view.step() > 0 && view.durationMs() > 0) {
            nanosPerSample = view.durationMs() * 1e6 / ((double) job.samples * Math.max(1, view.epoch()));
        }
        if (job.status() == TrainingJob.Status.FAILED) {
            log.warn("Training job {} FAILED after {} steps: {}", job.id, view.step(), view.error());
        }
        else {
            log.info("Training job {} {} after {} steps, loss {}", job.id, view.status(), view.step(), view.loss());
        }
        finisher.execute(() -> {
            if (autoSave && job.status() == TrainingJob.Status.SUCCEEDED && !FEDERATED.equals(job.origin)) {
                try {
                    job.savedAs(checkpoints.saveAfterTraining().id());
                }
                catch (RuntimeException e) {
                    log.error("Auto-save after training job {} failed", job.id, e);
                    job.failedToSave(e.getMessage());
                }
            }
            TrainingData keep = job.takeSamplesToKeep();
            if (keep != null) {
                try {
                    job.kept(samples.append(keep));
                }
                catch (RuntimeException e) {
                    log.error("Training job {} succeeded, but its samples could not be kept", job.id, e);
                    job.failedToKeep(e.getMessage());
                }
            }
            job.done.complete(job);
        });
    }

    @PreDestroy
    void stop() throws InterruptedException {
        synchronized (this) {
            if (active != null && !active.isFinished()) {
                log.info("Cancelling training job {} for shutdown", active.id);
                active.cancel();
            }
        }
        finisher.shutdown();
        finisher.awaitTermination(30, TimeUnit.SECONDS);
    }

}
