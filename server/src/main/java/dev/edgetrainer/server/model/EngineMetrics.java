package dev.edgetrainer.server.model;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

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
                    .minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofSeconds(30))
                    .register(registry)));
        timers = bound;
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

    void record(TaskKind kind, long nanos) {
        Timer timer = timers.get(kind);
        if (timer != null) {
            timer.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

}
