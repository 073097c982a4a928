package dev.edgetrainer.server.checkpoint;

import dev.edgetrainer.server.system.EdgeProperties;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The checkpoint directory, shared by the operations, the startup restore and metrics.
 */
@Configuration(proxyBeanMethods = false)
class CheckpointConfiguration {

    @Bean
    CheckpointStore checkpointStore(EdgeProperties properties, JsonMapper json) {
        return new CheckpointStore(properties.checkpoint().dir(), json);
    }

}
