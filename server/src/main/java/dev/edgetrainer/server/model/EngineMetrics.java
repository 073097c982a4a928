package dev.edgetrainer.server.model;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;

/**
 * The model's meters: latency per task kind (from submission to answer, queue wait
 * included), queue depth and refusals, training progress. Timings recorded before the
 * registry binds (during startup) are dropped.
 */
final class EngineMetrics implements MeterBinder {

    private static final Map<TaskKind, String[]> TIMERS = Map.of(TaskKind.INFER,
            new String[] { "edge.infer.latency", "Time from an inference request reaching the queue to its answer" },
            TaskKind.TRAIN_STEP,
            new String[] { "edge.train.latency", "Time from a train step reaching the queue to its end" },
            TaskKind.CHECKPOINT, new String[] { "edge.checkpoint.latency",
                    "Time the interpreter spends on a checkpoint task, queue wait included" });

    private final ModelState state;

    private volatile Map<TaskKind, Timer> timers = Map.of();

    private volatile DistributionSummary inferSamples;

    EngineMetrics(ModelState state) {
        this.state = state;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Map<TaskKind, Timer> bound = new EnumMap<>(TaskKind.class);
        TIMERS.forEach((kind, meta) -> bound.put(kind,
                Timer.builder(meta[0])
                    .description(meta[1])
                    .publishPercentileHistogram()
                    // Computed here for the dashboard over a decaying window; Prometheus
                    // keeps getting only the histogram.
                    .publishPercentiles(0.5, 0.99)
                    .minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofSeconds(30))
                    .register(registry)));
        timers = bound;
        inferSamples = DistributionSummary.builder("edge.infer.batch.samples")
            .description("Samples in each call of the model's infer signature: one request's, or several requests "
                    + "merged while they waited for the interpreter")
            .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256)
            .register(registry);
        Gauge.builder("edge.queue.depth", state, ModelState::queueDepth)
            .description("Tasks waiting for the interpreter thread")
            .register(registry);
        FunctionCounter.builder("edge.queue.rejected", state, ModelState::rejectedTasks)
            .description("Requests refused with 503 because the queue was full")
            .register(registry);
        FunctionCounter.builder("edge.train.samples", state, ModelState::samplesTrained)
            .description("Samples trained on since startup")
            .register(registry);
        Gauge.builder("edge.train.loss", state, ModelState::loss)
            .description("Loss of the last train step kept")
            .register(registry);
        Gauge.builder("edge.train.step", state, ModelState::step)
            .description("Train steps the current weights have taken")
            .register(registry);
        Gauge.builder("edge.model.faults", state, s -> s.faults().size())
            .description("Roles whose signature failed on the server's own call; the health details name them")
            .register(registry);
        FunctionCounter.builder("edge.restore.failures", state, ModelState::restoreFailures)
            .description("Checkpoints skipped on restore because they failed verification or did not fit")
            .register(registry);
    }

    void inferCall(int samples) {
        DistributionSummary summary = inferSamples;
        if (summary != null) {
            summary.record(samples);
        }
    }

    /**
     * Median and 99th percentile of one kind of task over the last few minutes (the
     * timers' decaying window), and how many ran since startup.
     */
    Latency latency(TaskKind kind) {
        Timer timer = timers.get(kind);
        if (timer == null) {
            return new Latency(0, null, null);
        }
        HistogramSnapshot snapshot = timer.takeSnapshot();
        Double p50 = null;
        Double p99 = null;
        for (ValueAtPercentile value : snapshot.percentileValues()) {
            // 0 means no task in the window, not an instant one.
            Double millis = value.value() > 0 ? value.value(TimeUnit.MILLISECONDS) : null;
            if (value.percentile() == 0.5) {
                p50 = millis;
            }
            else if (value.percentile() == 0.99) {
                p99 = millis;
            }
        }
        return new Latency(snapshot.count(), p50, p99);
    }

    /**
     * @param count tasks since startup
     * @param p50Ms null when none ran recently
     */
    record Latency(long count, Double p50Ms, Double p99Ms) {
    }

    void record(TaskKind kind, long nanos) {
        Timer timer = timers.get(kind);
        if (timer != null) {
            timer.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

}
