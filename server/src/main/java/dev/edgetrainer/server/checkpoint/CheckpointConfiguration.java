package dev.edgetrainer.server.checkpoint;

import dev.edgetrainer.server.model.ModelState;
import dev.edgetrainer.server.system.EdgeProperties;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The checkpoint directory, shared by the operations, the startup restore, health and
 * metrics. It is locked and cleaned as soon as the bean exists (it needs no model, so
 * before the model loads), before anything else touches it; the lock is released when the
 * context closes.
 */
@Configuration(proxyBeanMethods = false)
class CheckpointConfiguration {

    @Bean
    CheckpointStore checkpointStore(EdgeProperties properties, JsonMapper json, ModelState state) {
        CheckpointStore store = new CheckpointStore(properties.checkpoint().dir(), json, state::checkpointId);
        store.open();
        return store;
    }

}
