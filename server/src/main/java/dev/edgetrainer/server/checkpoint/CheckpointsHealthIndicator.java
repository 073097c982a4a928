package dev.edgetrainer.server.checkpoint;

import dev.edgetrainer.model.tensor.WeightsFile;
import dev.edgetrainer.server.model.ModelEngine;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/**
 * The {@code checkpoints} health component: whether the device can keep its progress.
 * DOWN when the directory is unusable (missing, not writable, failing) or has no room for
 * one more checkpoint: saves fail then, as Spring Boot's own {@code diskSpace} indicator
 * goes DOWN below its threshold. UP with a {@code warning} when fewer than
 * {@value #WARN_CHECKPOINTS} more checkpoints fit. Not part of readiness: inference goes
 * on regardless; the overall status tells the fleet's monitoring.
 */
@Component("checkpoints")
class CheckpointsHealthIndicator extends AbstractHealthIndicator {

    static final int WARN_CHECKPOINTS = 3;

    /** A manifest and the record of the current checkpoint are well under this. */
    private static final long SMALL_FILE = 1024;

    private final CheckpointStore store;

    private final ModelEngine engine;

    CheckpointsHealthIndicator(CheckpointStore store, ModelEngine engine) {
        super("checkpoint health check failed");
        this.store = store;
        this.engine = engine;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        CheckpointStore.Status status = store.status();
        StorageSpace space = store.space();
        long usable = space.usable();
        long perCheckpoint = space.onDisk(WeightsFile.size(engine.info().weights())) + 2 * space.onDisk(SMALL_FILE);
        builder.withDetail("dir", store.dir().toString())
            .withDetail("usableBytes", Math.max(usable, 0))
            .withDetail("totalBytes", Math.max(space.total(), 0))
            .withDetail("storedBytes", status.storedBytes())
            .withDetail("bytesPerCheckpoint", perCheckpoint)
            .withDetail("checkpoints", status.checkpoints())
            .withDetail("corrupt", status.corrupt())
            .withDetail("removedAtStartup", status.removedAtStartup());
        if (status.holder() != null) {
            builder.withDetail("lock", status.holder());
        }
        if (status.problem() != null) {
            builder.down().withDetail("problem", status.problem());
        }
        else if (usable < perCheckpoint) {
            builder.down().withDetail("problem", "no room for another checkpoint: saves and uploads answer 507");
        }
        else {
            builder.up();
            if (usable < WARN_CHECKPOINTS * perCheckpoint) {
                builder.withDetail("warning", "room for fewer than " + WARN_CHECKPOINTS + " more checkpoints");
            }
        }
    }

}
