package dev.edgetrainer.server.checkpoint;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.stereotype.Component;

/**
 * How many checkpoints a device holds and how old its newest is: an old one means
 * progress at risk.
 */
@Component
class CheckpointMetrics implements MeterBinder {

    private final CheckpointService checkpoints;

    CheckpointMetrics(CheckpointService checkpoints) {
        this.checkpoints = checkpoints;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("edge.checkpoint.count", checkpoints, CheckpointService::count)
            .description("Checkpoints in the checkpoint directory")
            .register(registry);
        Gauge.builder("edge.checkpoint.age", checkpoints, CheckpointService::newestAgeSeconds)
            .description("Seconds since the newest checkpoint was taken; NaN when there is none")
            .baseUnit("seconds")
            .register(registry);
    }

}
