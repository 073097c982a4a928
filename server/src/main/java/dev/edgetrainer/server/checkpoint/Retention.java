package dev.edgetrainer.server.checkpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes old checkpoints so an SD card does not fill up: per pool, the newest
 * {@code keep} stay. The device's own saves and the uploads from other devices are
 * counted apart, so uploads never push the device's own work out; the current checkpoint
 * is never deleted, however old, nor one a request is using.
 */
final class Retention {

    /** Checkpoints counted together against one limit. */
    enum Pool {

        /** Saved on this device: {@code edge.checkpoint.keep}. */
        OWN,
        /** Sent by other devices: {@code edge.checkpoint.keep-uploads}. */
        UPLOADS

    }

    private static final Logger log = LoggerFactory.getLogger(Retention.class);

    private final CheckpointStore store;

    private final Supplier<String> current;

    private final int keepOwn;

    private final int keepUploads;

    Retention(CheckpointStore store, Supplier<String> current, int keepOwn, int keepUploads) {
        this.store = store;
        this.current = current;
        this.keepOwn = keepOwn;
        this.keepUploads = keepUploads;
    }

    static Pool pool(Origin origin) {
        return switch (origin) {
            case SAVE, AUTO_SAVE -> Pool.OWN;
            case UPLOAD -> Pool.UPLOADS;
        };
    }

    /** Deletes the checkpoints beyond their pool's limit; returns their ids. */
    List<String> prune() {
        List<String> removed = new ArrayList<>();
        int own = 0;
        int uploads = 0;
        for (Manifest manifest : store.list()) {
            boolean kept = pool(manifest.origin()) == Pool.OWN ? ++own <= keepOwn : ++uploads <= keepUploads;
            if (kept || manifest.id().equals(current.get())) {
                continue;
            }
            try {
                store.delete(manifest.id());
                removed.add(manifest.id());
            }
            catch (CheckpointInUseException | CheckpointNotFoundException e) {
                // Current, busy or gone by now: the next prune looks again.
            }
        }
        if (!removed.isEmpty()) {
            log.info("Retention (edge.checkpoint.keep={}, keep-uploads={}) removed {}", keepOwn, keepUploads, removed);
        }
        return removed;
    }

}
