package dev.edgetrainer.server.checkpoint;

import java.nio.file.Path;
import java.time.Instant;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

class RetentionTests {

    @TempDir
    Path dir;

    private CheckpointStore store;

    private String current;

    @BeforeEach
    void open() {
        store = new CheckpointStore(dir, JsonMapper.builder().build(), () -> current);
        store.open();
    }

    @AfterEach
    void close() {
        store.close();
    }

    private void write(String id, long secondsAgo, Origin origin) {
        try (CheckpointStore.Reservation reservation = store.reserve(id, Preconditions.NONE)) {
            store.write(reservation, new Manifest(id, Instant.now().minusSeconds(secondsAgo), null, 0, null, null, null,
                    CheckpointStyle.TENSORS, origin), new byte[] { 1 });
        }
    }

    @Test
    void ownSavesAndUploadsAreCountedApartAndTheCurrentOneIsKeptHoweverOld() {
        write("own-1", 70, Origin.SAVE);
        write("own-2", 60, Origin.AUTO_SAVE);
        write("own-3", 50, Origin.SAVE);
        write("own-4", 40, Origin.SAVE);
        write("peer-1", 30, Origin.UPLOAD);
        write("peer-2", 20, Origin.UPLOAD);
        write("peer-3", 10, Origin.UPLOAD);
        current = "own-1";

        assertThat(new Retention(store, () -> current, 2, 1).prune()).containsExactlyInAnyOrder("own-2", "peer-1",
                "peer-2");

        assertThat(store.list()).extracting(Manifest::id).containsExactly("peer-3", "own-4", "own-3", "own-1");
    }

    @Test
    void aCheckpointInUseIsLeftForTheNextPrune() {
        write("own-1", 20, Origin.SAVE);
        write("own-2", 10, Origin.SAVE);
        Retention retention = new Retention(store, () -> current, 1, 1);

        try (CheckpointStore.Pin restoring = store.pin("own-1")) {
            assertThat(retention.prune()).isEmpty();
        }

        assertThat(retention.prune()).containsExactly("own-1");
    }

}
