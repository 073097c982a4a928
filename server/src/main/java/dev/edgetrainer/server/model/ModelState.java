package dev.edgetrainer.server.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the weights have been through: steps, samples and the last loss, and which
 * checkpoint they came from. Written on the interpreter thread, read from anywhere
 * (health, info, metrics, manifests).
 */
public final class ModelState {

    private static final Logger log = LoggerFactory.getLogger(ModelState.class);

    private final AtomicInteger queueDepth = new AtomicInteger();

    private final AtomicLong samplesTrained = new AtomicLong();

    private final AtomicLong rejectedTasks = new AtomicLong();

    private final AtomicLong restoreFailures = new AtomicLong();

    private volatile long step;

    private volatile double loss = Double.NaN;

    private volatile String checkpointId;

    private volatile long replacements;

    private volatile RestoreReport lastRestore;

    /** The training job whose steps are being taken; interpreter thread only writes. */
    private volatile String runningJob;

    private final Map<String, Fault> faults = new ConcurrentSkipListMap<>();

    /** After one train step that was kept. */
    public void stepDone(int samples, double stepLoss) {
        step++;
        loss = stepLoss;
        samplesTrained.addAndGet(samples);
    }

    /**
     * A job's first step is about to run; until {@link #jobEnded}, the weights are the
     * job's to change and to put back.
     */
    public void jobStarted(String jobId) {
        runningJob = jobId;
    }

    /**
     * The job's last step ran, or it failed and put the weights back as they were before
     * it (its first step then is {@code atStep} again, with {@code atLoss}).
     */
    public void jobEnded(String jobId, boolean rolledBack, long atStep, double atLoss) {
        if (rolledBack) {
            step = atStep;
            loss = atLoss;
            // A save that took the weights out during the job holds weights that are
            // gone now: it must not become current.
            replacements++;
        }
        if (jobId.equals(runningJob)) {
            runningJob = null;
        }
    }

    /** The job whose steps are being taken, or null. */
    public String runningJob() {
        return runningJob;
    }

    /**
     * On the interpreter thread, before anything else replaces the weights: a job that
     * has started owns them until it ends, so a restore or reset would be undone by its
     * rollback or mixed with its remaining steps.
     * @throws WeightsBusyException while a job runs
     */
    public void requireNoRunningJob(String action) {
        String job = runningJob;
        if (job != null) {
            throw new WeightsBusyException(job, action);
        }
    }

    /**
     * The weights were replaced: by a checkpoint (its id, step and loss) or by the
     * original ones (null id).
     */
    public void weightsReplaced(String id, long atStep, Double atLoss) {
        replacements++;
        checkpointId = id;
        step = atStep;
        loss = atLoss == null ? Double.NaN : atLoss;
    }

    /** The current weights were just saved as this checkpoint. */
    public void savedAs(String id) {
        checkpointId = id;
    }

    public void restoreReported(RestoreReport report) {
        lastRestore = report;
        restoreFailures.addAndGet(report.skipped().size());
    }

    /**
     * A role's signature failed on a call of the server's own that fitted its declared
     * inputs: the model's defect or the device's, never the caller's. Logged at WARN when
     * first seen; shown in health until the role succeeds again.
     */
    public void faultReported(String role, String signature, String message) {
        Fault previous = faults.put(role, new Fault(signature, message, Instant.now()));
        if (previous == null || !previous.message().equals(message)) {
            log.warn("The model's {} role (signature '{}') failed: {}", role, signature, message);
        }
    }

    /** The role worked: a fault reported for it is over. */
    public void faultCleared(String role) {
        if (!faults.isEmpty() && faults.remove(role) != null) {
            log.info("The model's {} role works again", role);
        }
    }

    /** Per role, its last fault; empty when every role works. */
    public Map<String, Fault> faults() {
        return Map.copyOf(faults);
    }

    void rejected() {
        rejectedTasks.incrementAndGet();
    }

    void queued(int delta) {
        queueDepth.addAndGet(delta);
    }

    /** Tasks waiting for the interpreter thread, the one running excluded. */
    public int queueDepth() {
        return queueDepth.get();
    }

    public long step() {
        return step;
    }

    /** Loss of the last kept step, NaN before any. */
    public double loss() {
        return loss;
    }

    public long samplesTrained() {
        return samplesTrained.get();
    }

    public long rejectedTasks() {
        return rejectedTasks.get();
    }

    public long restoreFailures() {
        return restoreFailures.get();
    }

    /**
     * The checkpoint the current weights descend from; null for the model's original
     * weights.
     */
    public String checkpointId() {
        return checkpointId;
    }

    /**
     * How often the weights were replaced (restore, reset): a save compares it before and
     * after storing, to tell whether the weights it stored are still the ones in memory.
     */
    public long replacements() {
        return replacements;
    }

    public RestoreReport lastRestore() {
        return lastRestore;
    }

    /**
     * The outcome of restoring a checkpoint.
     *
     * @param restored the id restored, null if none was
     * @param skipped checkpoints passed over because they failed verification or did not
     * fit
     */
    public record RestoreReport(Instant at, String restored, List<Skipped> skipped) {

        public RestoreReport {
            skipped = List.copyOf(skipped);
        }
    }

    public record Skipped(String id, String reason) {
    }

    /**
     * A role's last failure.
     *
     * @param signature the signature that failed
     * @param message what it reported
     */
    public record Fault(String signature, String message, Instant at) {
    }

    /** Skipped checkpoints for people: {@code id (reason); id (reason)}. */
    public static String describe(List<Skipped> skipped) {
        return String.join("; ", skipped.stream().map(s -> s.id() + " (" + s.reason() + ")").toList());
    }

}
