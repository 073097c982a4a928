package dev.edgetrainer.server.checkpoint;

import java.util.List;

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

    private final CheckpointStore store;

    CheckpointMetrics(CheckpointStore store) {
        this.store = store;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("edge.checkpoint.count", store, s -> s.list().size())
            .description("Checkpoints in the checkpoint directory")
            .register(registry);
        Gauge.builder("edge.checkpoint.age", store, CheckpointMetrics::newestAgeSeconds)
            .description("Seconds since the newest checkpoint was taken; NaN when there is none")
            .baseUnit("seconds")
            .register(registry);
    }

    /** Seconds since the newest checkpoint was taken; NaN without any. */
    static double newestAgeSeconds(CheckpointStore store) {
        List<Manifest> all = store.list();
        return all.isEmpty() ? Double.NaN
                : (System.currentTimeMillis() - all.get(0).createdAt().toEpochMilli()) / 1000.0;
    }

}
