package dev.edgetrainer.server.data;

import java.util.Arrays;

import dev.edgetrainer.model.hosting.HostingPlan.Targets;
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
        int xSize = sampleSize(info.input().shape());
        // Without a train role nothing can be kept: the store stays empty.
        int ySize = info.trainSpec().map(ModelInfo.Train::yWidth).orElse(info.output().width());
        Targets targets = info.trainSpec().map(ModelInfo.Train::targets).orElse(Targets.VALUES);
        EdgeProperties.Data data = properties.data();
        SampleStore store = new SampleStore(data.dir(), data.maxSamples(), data.validationFraction(), xSize, ySize,
                targets, info.classNames());
        store.open();
        return store;
    }

    private static int sampleSize(int[] batchShape) {
        return Arrays.stream(batchShape).skip(1).reduce(1, Math::multiplyExact);
    }

}
