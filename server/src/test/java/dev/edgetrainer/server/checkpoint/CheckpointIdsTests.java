package dev.edgetrainer.server.checkpoint;

import java.time.Instant;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CheckpointIdsTests {

    private static final Instant TIME = Instant.parse("2025-01-01T12:00:00.123Z");

    @Test
    void aNewIdSaysWhenAndAtWhichStep() {
        String id = CheckpointIds.next(TIME, 600, taken -> false);

        assertThat(id).isEqualTo("20250101T120000123Z-s600");
        assertThat(CheckpointIds.isId(id)).isTrue();
    }

    @Test
    void aTakenIdGetsTheNextFreeSuffix() {
        Set<String> taken = Set.of("20250101T120000123Z-s600", "20250101T120000123Z-s600-2");

        assertThat(CheckpointIds.next(TIME, 600, taken::contains)).isEqualTo("20250101T120000123Z-s600-3");
    }

}
