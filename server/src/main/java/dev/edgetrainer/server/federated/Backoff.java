package dev.edgetrainer.server.federated;

import java.time.Duration;
import java.util.random.RandomGenerator;

import dev.edgetrainer.server.system.EdgeProperties;

/**
 * How long to wait before the next connection attempt: doubling from
 * {@code edge.federated.reconnect.initial} up to {@code max}, of which a random half is
 * dropped ("equal jitter"), so that devices that lost one server do not all knock at the
 * same moment when it comes back.
 */
final class Backoff {

    private final Duration initial;

    private final Duration max;

    private final RandomGenerator random;

    Backoff(EdgeProperties.Reconnect settings, RandomGenerator random) {
        this.initial = settings.initial();
        this.max = settings.max();
        this.random = random;
    }

    /**
     * The wait before attempt {@code failures + 1}, after {@code failures} failed ones.
     */
    Duration delay(int failures) {
        long cap = max.toMillis();
        long base = initial.toMillis() << Math.min(failures, 30);
        long full = base <= 0 || base > cap ? cap : base;
        return Duration.ofMillis(full / 2 + random.nextLong(full / 2 + 1));
    }

}
