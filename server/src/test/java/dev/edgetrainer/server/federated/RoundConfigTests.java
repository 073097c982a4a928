package dev.edgetrainer.server.federated;

import java.time.Duration;
import java.util.Map;

import dev.edgetrainer.server.federated.proto.Scalar;
import dev.edgetrainer.server.system.BadInputException;
import dev.edgetrainer.server.system.EdgeProperties;
import org.junit.jupiter.api.Test;

import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RoundConfigTests {

    private static final EdgeProperties.Federated DEFAULTS = new EdgeProperties.Federated(true, "localhost:9092", null,
            2, 16, EdgeProperties.Adopt.GLOBAL,
            new EdgeProperties.Reconnect(Duration.ofSeconds(1), Duration.ofSeconds(60)), DataSize.ofMegabytes(512),
            Duration.ofSeconds(30));

    private static Scalar integer(long value) {
        return Scalar.newBuilder().setSint64(value).build();
    }

    @Test
    void aRoundsConfigOverridesTheDevicesDefaults() {
        assertThat(RoundConfig.of(Map.of(), DEFAULTS, 100)).isEqualTo(new RoundConfig(2, 16, null));
        assertThat(RoundConfig.of(Map.of("epochs", integer(3), "batch_size", Scalar.newBuilder().setDouble(64).build(),
                "round", integer(4)), DEFAULTS, 100))
            .isEqualTo(new RoundConfig(3, 64, 4L));
        assertThat(RoundConfig.of(
                Map.of("local_epochs", Scalar.newBuilder().setUint64(5).build(), "server_round", integer(2)), DEFAULTS,
                100))
            .isEqualTo(new RoundConfig(5, 16, 2L));
    }

    @Test
    void refusesValuesThatAreNotWholeNumbersInRange() {
        assertBad(Map.of("epochs", integer(0)), "config.epochs");
        assertBad(Map.of("epochs", integer(101)), "config.epochs");
        assertBad(Map.of("epochs", Scalar.newBuilder().setDouble(1.5).build()), "config.epochs");
        assertBad(Map.of("batch_size", Scalar.newBuilder().setString("many").build()), "config.batch_size");
        assertBad(Map.of("batch_size", integer(-1)), "config.batch_size");
    }

    private static void assertBad(Map<String, Scalar> config, String field) {
        assertThatThrownBy(() -> RoundConfig.of(config, DEFAULTS, 100)).isInstanceOf(BadInputException.class)
            .satisfies(e -> assertThat(((BadInputException) e).field()).isEqualTo(field));
    }

}
