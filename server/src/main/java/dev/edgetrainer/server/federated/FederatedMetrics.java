package dev.edgetrainer.server.federated;

import java.time.Duration;
import java.util.List;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * The Flower client's meters. Failures carry a {@code reason} tag: {@code unavailable}
 * (the server cannot be reached), {@code lost} (the connection broke during an
 * instruction), {@code protocol} (a message the device cannot read: unknown, oversized,
 * malformed), or the kind of the error that made the device answer non-OK, in lower case
 * ({@code invalid_input} for wrong tensors, {@code conflict} for no samples or a job
 * running, {@code busy}, {@code server_fault}, ...). The usual reasons are registered at
 * zero, so a first failure shows as an increase.
 */
final class FederatedMetrics implements MeterBinder {

    static final String UNAVAILABLE = "unavailable";

    static final List<String> REASONS = List.of(UNAVAILABLE, "lost", "protocol", "invalid_input", "rejected",
            "conflict", "busy", "server_fault");

    private final FederatedStatus status;

    private volatile MeterRegistry registry;

    private volatile Counter rounds;

    private volatile Timer duration;

    private volatile Counter bytesIn;

    private volatile Counter bytesOut;

    FederatedMetrics(FederatedStatus status) {
        this.status = status;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        rounds = Counter.builder("edge.federated.rounds")
            .description("Federated rounds this device trained in (fit answered OK)")
            .register(registry);
        duration = Timer.builder("edge.federated.round.duration")
            .description("Time a round's fit takes on this device: global weights in, local epochs, weights out")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(10))
            .maximumExpectedValue(Duration.ofMinutes(30))
            .register(registry);
        bytesIn = bytes(registry, "in");
        bytesOut = bytes(registry, "out");
        Gauge.builder("edge.federated.connected", status, s -> s.isConnected() ? 1 : 0)
            .description("1 while the device is joined to a Flower server, else 0")
            .register(registry);
        REASONS.forEach(reason -> failures(registry, reason));
        this.registry = registry;
    }

    private static Counter bytes(MeterRegistry registry, String direction) {
        return Counter.builder("edge.federated.bytes")
            .description("Bytes of Flower messages received (in) and sent (out)")
            .baseUnit("bytes")
            .tag("direction", direction)
            .register(registry);
    }

    private static Counter failures(MeterRegistry registry, String reason) {
        return Counter.builder("edge.federated.failures")
            .description("Federated instructions answered non-OK, and connections that failed or broke, by reason")
            .tag("reason", reason)
            .register(registry);
    }

    void fitted(Duration took) {
        if (rounds != null) {
            rounds.increment();
            duration.record(took);
        }
    }

    void failed(String reason) {
        MeterRegistry bound = registry;
        if (bound != null) {
            failures(bound, reason).increment();
        }
    }

    void received(long bytes) {
        if (bytesIn != null) {
            bytesIn.increment(bytes);
        }
    }

    void sent(long bytes) {
        if (bytesOut != null) {
            bytesOut.increment(bytes);
        }
    }

}
