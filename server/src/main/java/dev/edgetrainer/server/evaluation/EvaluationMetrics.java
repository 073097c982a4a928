package dev.edgetrainer.server.evaluation;

import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.stereotype.Component;

/**
 * The last measure of the device's own weights on its validation samples: by
 * {@code POST /evaluate} without other data or weights, and by federated rounds. NaN
 * until one was taken.
 */
@Component
public class EvaluationMetrics implements MeterBinder {

    private final AtomicReference<Evaluator.Evaluation> last = new AtomicReference<>();

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("edge.evaluate.accuracy", last, l -> l.get() == null ? Double.NaN : l.get().accuracy())
            .description("Accuracy of the device's current weights on its validation samples, as last measured")
            .register(registry);
        Gauge.builder("edge.evaluate.loss", last, l -> l.get() == null ? Double.NaN : l.get().loss())
            .description("Loss of the device's current weights on its validation samples, as last measured")
            .register(registry);
    }

    /** The device's current weights were measured on its validation samples. */
    public void ownWeightsMeasured(Evaluator.Evaluation evaluation) {
        last.set(evaluation);
    }

}
