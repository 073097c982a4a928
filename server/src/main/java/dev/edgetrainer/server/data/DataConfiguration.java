package dev.edgetrainer.server.data;

import java.util.Arrays;

import dev.edgetrainer.server.model.ModelEngine;
import dev.edgetrainer.server.model.ModelInfo;
import dev.edgetrainer.server.system.EdgeProperties;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The sample store, opened before the server takes requests, for samples shaped as the
 * hosted model trains on them.
 */
@Configuration(proxyBeanMethods = false)
class DataConfiguration {

    @Bean
    SampleStore sampleStore(ModelEngine engine, EdgeProperties properties) {
        ModelInfo info = engine.info();
        int xSize = info.trainSpec()
            .map(train -> sampleSize(train.x().shape()))
            .orElseGet(() -> sampleSize(info.infer().input().shape()));
        int ySize = info.trainSpec().map(train -> train.y().dim(1)).orElse(info.classNames().size());
        EdgeProperties.Data data = properties.data();
        SampleStore store = new SampleStore(data.dir(), data.maxSamples(), data.validationFraction(), xSize, ySize);
        store.open();
        return store;
    }

    private static int sampleSize(int[] batchShape) {
        return Arrays.stream(batchShape).skip(1).reduce(1, Math::multiplyExact);
    }

}
