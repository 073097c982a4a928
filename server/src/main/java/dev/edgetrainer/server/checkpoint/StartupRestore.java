package dev.edgetrainer.server.checkpoint;

import dev.edgetrainer.server.model.ModelState.RestoreReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;

/**
 * At startup, before the server takes requests: clears what an interrupted write left in
 * the checkpoint directory and restores the newest checkpoint that verifies and fits, so
 * a device resumes where it stopped.
 */
@Component
class StartupRestore implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(StartupRestore.class);

    private final CheckpointStore store;

    private final CheckpointService checkpoints;

    StartupRestore(CheckpointStore store, CheckpointService checkpoints) {
        this.store = store;
        this.checkpoints = checkpoints;
    }

    @Override
    public void afterSingletonsInstantiated() {
        store.open();
        RestoreReport report = checkpoints.restoreNewestAtStartup();
        if (report.restored() != null) {
            log.info("Restored checkpoint {}", report.restored());
        }
        else {
            log.info("No checkpoint restored; serving the model's original weights");
        }
    }

}
