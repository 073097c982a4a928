package dev.edgetrainer.server.checkpoint;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import dev.edgetrainer.server.system.EdgeProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes old checkpoints so an SD card does not fill up: per pool, the newest
 * {@code keep} stay. The device's own saves, the uploads from other devices and the
 * adopted federated global models are counted apart, so neither uploads nor rounds push
 * the device's own work out; the current checkpoint is never deleted, however old, nor
 * one a request is using.
 */
final class Retention {

    /** Checkpoints counted together against one limit. */
    enum Pool {

        /** Saved on this device: {@code edge.checkpoint.keep}. */
        OWN,
        /** Sent by other devices: {@code edge.checkpoint.keep-uploads}. */
        UPLOADS,
        /** Adopted from federated rounds: {@code edge.checkpoint.keep-federated}. */
        FEDERATED

    }

    private static final Logger log = LoggerFactory.getLogger(Retention.class);

    private final CheckpointStore store;

    private final Supplier<String> current;

    private final Map<Pool, Integer> keep = new EnumMap<>(Pool.class);

    Retention(CheckpointStore store, Supplier<String> current, int keepOwn, int keepUploads, int keepFederated) {
        this.store = store;
        this.current = current;
        keep.put(Pool.OWN, keepOwn);
        keep.put(Pool.UPLOADS, keepUploads);
        keep.put(Pool.FEDERATED, keepFederated);
    }

    Retention(CheckpointStore store, Supplier<String> current, EdgeProperties.Checkpoint settings) {
        this(store, current, settings.keep(), settings.keepUploads(), settings.keepFederated());
    }

    static Pool pool(Origin origin) {
        return switch (origin) {
            case SAVE, AUTO_SAVE -> Pool.OWN;
            case UPLOAD -> Pool.UPLOADS;
            case FEDERATED -> Pool.FEDERATED;
        };
    }

    /** Deletes the checkpoints beyond their pool's limit; returns their ids. */
    List<String> prune() {
        List<String> removed = new ArrayList<>();
        Map<Pool, Integer> seen = new EnumMap<>(Pool.class);
        for (Manifest manifest : store.list()) {
            Pool pool = pool(manifest.origin());
            boolean kept = seen.merge(pool, 1, Integer::sum) <= keep.get(pool);
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
            log.info("Retention (edge.checkpoint.keep={}, keep-uploads={}, keep-federated={}) removed {}",
                    keep.get(Pool.OWN), keep.get(Pool.UPLOADS), keep.get(Pool.FEDERATED), removed);
        }
        return removed;
    }

}
