package dev.edgetrainer.server.checkpoint;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the newest {@code edge.checkpoint.keep} checkpoints and deletes the rest, so an
 * SD card does not fill up with old weights.
 */
final class Retention {

    private static final Logger log = LoggerFactory.getLogger(Retention.class);

    private final CheckpointStore store;

    private final int keep;

    Retention(CheckpointStore store, int keep) {
        this.store = store;
        this.keep = keep;
    }

    /** Deletes the oldest checkpoints beyond the retention count; returns their ids. */
    List<String> prune() {
        List<Manifest> all = store.list();
        List<String> removed = new ArrayList<>();
        for (Manifest old : all.subList(Math.min(keep, all.size()), all.size())) {
            store.delete(old.id());
            removed.add(old.id());
        }
        if (!removed.isEmpty()) {
            log.info("Retention (edge.checkpoint.keep={}) removed {}", keep, removed);
        }
        return removed;
    }

}
