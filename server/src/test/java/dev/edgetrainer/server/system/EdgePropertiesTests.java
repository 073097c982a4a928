package dev.edgetrainer.server.system;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;

class EdgePropertiesTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Config.class);

    @EnableConfigurationProperties(EdgeProperties.class)
    static class Config {

    }

    @Test
    void defaultsAreTheDocumentedOnes() {
        runner.run(context -> {
            EdgeProperties properties = context.getBean(EdgeProperties.class);
            assertThat(properties.model().path()).isNull();
            assertThat(properties.model().classNames()).isEmpty();
            assertThat(properties.model().output()).isNull();
            assertThat(properties.model().threshold()).isEqualTo(0.5);
            assertThat(properties.model().signatures())
                .isEqualTo(new EdgeProperties.Signatures(null, null, null, null));
            assertThat(properties.model().topK()).isEqualTo(3);
            assertThat(properties.queue().capacity()).isEqualTo(64);
            assertThat(properties.checkpoint().dir().normalize()).isEqualTo(Path.of("data/checkpoints"));
            assertThat(properties.checkpoint().keep()).isEqualTo(5);
            assertThat(properties.checkpoint().keepUploads()).isEqualTo(5);
            assertThat(properties.checkpoint().autoSave()).isFalse();
            assertThat(properties.security().enabled()).isFalse();
            assertThat(properties.infer().invert()).isEqualTo(EdgeProperties.Invert.AUTO);
            assertThat(properties.limits().maxBody()).isEqualTo(DataSize.ofMegabytes(16));
            assertThat(properties.limits().maxSamples()).isEqualTo(20_000);
            assertThat(properties.limits().requestMemoryBytes())
                .isEqualTo((long) (Runtime.getRuntime().maxMemory() * 0.4));
            assertThat(properties.limits().bodyMinRate()).isEqualTo(DataSize.ofKilobytes(16));
            assertThat(properties.limits().bodyGrace()).hasSeconds(10);
            assertThat(properties.train().inputRange()).isEqualTo("auto");
            assertThat(properties.trainingInputBounds()).containsExactly(0, 1);
            assertThat(properties.train().blowUpFactor()).isEqualTo(100);
            assertThat(properties.model().threads()).isEqualTo(Math.min(Runtime.getRuntime().availableProcessors(), 4));
            assertThat(properties.infer().batching().enabled()).isTrue();
            assertThat(properties.infer().batching().maxBatch()).isEqualTo(64);
            assertThat(properties.infer().batching().maxWait()).isZero();
        });
    }

    @Test
    void threadsCanBeSetBeyondTheDefaultsCap() {
        runner.withPropertyValues("edge.model.threads=8")
            .run(context -> assertThat(context.getBean(EdgeProperties.class).model().threads()).isEqualTo(8));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|',
            value = { "edge.queue.capacity=0 | capacity", "edge.model.top-k=0 | topK",
                    "edge.model.threshold=1 | threshold", "edge.model.output=sideways | output",
                    "edge.checkpoint.keep=0 | keep", "edge.checkpoint.keep-uploads=0 | keepUploads",
                    "edge.security.token=short | tokenStrong", "edge.limits.max-body=10B | maxBodyInRange",
                    "edge.train.epochs=5000 | epochsWithinMax", "edge.infer.invert=sideways | invert",
                    "edge.model.threads=0 | threads", "edge.model.threads=65 | threads",
                    "edge.infer.batching.max-batch=0 | maxBatch", "edge.infer.batching.max-wait=2s | maxWaitInRange",
                    "edge.infer.batching.max-wait=-1ms | maxWaitInRange",
                    "edge.limits.request-memory=10KB | requestMemoryEnough",
                    "edge.limits.body-min-rate=0B | bodyMinRatePositive", "edge.limits.max-samples=0 | maxSamples",
                    "edge.train.input-range=1,0 | inputRangeValid", "edge.train.input-range=wide | inputRangeValid",
                    "edge.train.blow-up-factor=1 | blowUpFactor" })
    void aWrongValueStopsStartupNamingIt(String setting, String field) {
        runner.withPropertyValues(setting).run(context -> assertThat(failure(context)).contains(field));
    }

    // Set as a property source: withPropertyValues would trim the value.
    @ParameterizedTest
    @ValueSource(
            strings = { "a-long-enough-fleet-token ", " a-long-enough-fleet-token", "a-long-enough-fleet-token\n" })
    void aTokenWithSurroundingWhitespaceStopsStartupSayingWhy(String token) {
        runner
            .withInitializer(context -> context.getEnvironment()
                .getPropertySources()
                .addFirst(new MapPropertySource("env", Map.of("edge.security.token", token))))
            .run(context -> assertThat(failure(context)).contains("edge.security",
                    "token must not begin or end with whitespace"));
    }

    private static String failure(AssertableApplicationContext context) {
        assertThat(context).hasFailed();
        StringBuilder messages = new StringBuilder();
        for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append('\n');
        }
        return messages.toString();
    }

}
