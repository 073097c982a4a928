package dev.edgetrainer.server.federated;

import java.time.Duration;
import java.util.Random;

import dev.edgetrainer.server.system.EdgeProperties;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BackoffTests {

    private final Backoff backoff = new Backoff(
            new EdgeProperties.Reconnect(Duration.ofSeconds(1), Duration.ofSeconds(60)), new Random(3));

    @Test
    void doublesFromTheInitialWaitUpToTheMaximumWithHalfOfItRandom() {
        long[] ceilings = { 1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000 };
        for (int failures = 0; failures < ceilings.length; failures++) {
            long low = Long.MAX_VALUE;
            long high = 0;
            for (int i = 0; i < 200; i++) {
                long delay = backoff.delay(failures).toMillis();
                low = Math.min(low, delay);
                high = Math.max(high, delay);
            }
            assertThat(low).as("after %d failures", failures).isGreaterThanOrEqualTo(ceilings[failures] / 2);
            assertThat(high).isLessThanOrEqualTo(ceilings[failures]);
            assertThat(high - low).as("jittered").isGreaterThan(ceilings[failures] / 4);
        }
        assertThat(backoff.delay(1000).toMillis()).as("no overflow").isBetween(30_000L, 60_000L);
    }

}
