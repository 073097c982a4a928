package dev.edgetrainer.server.data;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.stereotype.Component;

/** How many samples the device keeps, for federated rounds and validation. */
@Component
class DataMetrics implements MeterBinder {

    private final SampleStore store;

    DataMetrics(SampleStore store) {
        this.store = store;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("edge.data.samples", store, s -> s.size(SampleStore.Split.ALL))
            .description("Labelled samples the device keeps (edge.data.max-samples at most)")
            .register(registry);
        Gauge.builder("edge.data.validation.samples", store, s -> s.size(SampleStore.Split.VALIDATION))
            .description("Kept samples held out for validation")
            .register(registry);
    }

}
