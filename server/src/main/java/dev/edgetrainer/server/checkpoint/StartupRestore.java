package dev.edgetrainer.server.checkpoint;

import dev.edgetrainer.server.model.ModelState.RestoreReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;

/**
 * At startup, before the server takes requests: restores the checkpoint recorded as
 * current (or the newest of the device's own that verifies and fits), so a device resumes
 * where it stopped.
 */
@Component
class StartupRestore implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(StartupRestore.class);

    private final CheckpointService checkpoints;

    StartupRestore(CheckpointService checkpoints) {
        this.checkpoints = checkpoints;
    }

    @Override
    public void afterSingletonsInstantiated() {
        RestoreReport report;
        try {
            report = checkpoints.restoreAtStartup();
        }
        catch (StorageFullException | StorageFailedException e) {
            // Inference still works on the original weights; health says what is wrong.
            log.error("No checkpoint restored: {}", e.getMessage());
            return;
        }
        if (report.restored() != null) {
            log.info("Restored checkpoint {}", report.restored());
        }
        else {
            log.info("No checkpoint restored; serving the model's original weights");
        }
    }

}
