package dev.edgetrainer.server.federated;

import java.util.Random;

import dev.edgetrainer.server.checkpoint.CheckpointService;
import dev.edgetrainer.server.data.SampleStore;
import dev.edgetrainer.server.evaluation.EvaluationMetrics;
import dev.edgetrainer.server.model.ModelEngine;
import dev.edgetrainer.server.system.EdgeProperties;
import dev.edgetrainer.server.training.TrainingService;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The Flower client and what shows it: status, meters, health. */
@Configuration(proxyBeanMethods = false)
class FederatedConfiguration {

    @Bean
    FederatedStatus federatedStatus(EdgeProperties properties) {
        return new FederatedStatus(properties.federated());
    }

    @Bean
    FederatedMetrics federatedMetrics(FederatedStatus status) {
        return new FederatedMetrics(status);
    }

    @Bean
    FlowerClient flowerClient(EdgeProperties properties, ModelEngine engine, CheckpointService checkpoints,
            TrainingService training, SampleStore samples, EvaluationMetrics evaluationMetrics, FederatedStatus status,
            FederatedMetrics metrics) {
        RoundHandler handler = new RoundHandler(engine, checkpoints, training, samples, evaluationMetrics, status,
                metrics, properties);
        return new FlowerClient(properties.federated(), handler, status, metrics,
                new Backoff(properties.federated().reconnect(), new Random()));
    }

}
