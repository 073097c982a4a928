package dev.edgetrainer.server.checkpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import dev.edgetrainer.server.model.ModelState;
import dev.edgetrainer.server.model.ModelState.RestoreReport;
import dev.edgetrainer.server.model.ModelState.Skipped;
import dev.edgetrainer.server.model.ModelTask;
import dev.edgetrainer.server.model.QueueFullException;
import dev.edgetrainer.server.model.TaskKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Which checkpoints a restore passes over, and which failures end it: decided before the
 * interpreter is asked, so a queue that refuses every task shows it.
 */
class CheckpointRestorerTests {

    /** An engine whose queue is full. */
    private static final Submitter BUSY = new Submitter() {

        @Override
        public <T> CompletableFuture<T> submit(TaskKind kind, ModelTask<T> task) {
            throw new QueueFullException(1, Duration.ofSeconds(1));
        }

    };

    @TempDir
    Path dir;

    private CheckpointStore store;

    private final ModelState state = new ModelState();

    private CheckpointRestorer restorer;

    @BeforeEach
    void open() {
        store = new CheckpointStore(dir, JsonMapper.builder().build(), state::checkpointId);
        store.open();
        restorer = new CheckpointRestorer(state, store, new PathCheckpoints(store, 3), "model-sha", "restore");
    }

    @AfterEach
    void close() {
        store.close();
    }

    private void write(String id, long secondsAgo, CheckpointStyle style) {
        try (CheckpointStore.Reservation reservation = store.reserve(id, Preconditions.NONE)) {
            store.write(reservation, new Manifest(id, Instant.now().minusSeconds(secondsAgo), null, 0, 3L, null, "m",
                    style, Origin.SAVE, null), new byte[] { 1, 2, 3 });
        }
    }

    @Test
    void checkpointsThatCannotBeUsedArePassedOverWithTheirReason() throws Exception {
        write("altered", 0, CheckpointStyle.PATH);
        Files.write(dir.resolve("altered.ckpt"), new byte[] { 1, 2, 4 });
        write("tensors", 10, CheckpointStyle.TENSORS);
        Files.writeString(dir.resolve("broken.json"), "{not json");

        RestoreReport report = restorer.restoreNewest(BUSY);

        assertThat(report.restored()).isNull();
        assertThat(report.skipped()).extracting(Skipped::id).containsExactly("altered", "tensors", "broken");
        assertThat(report.skipped()).extracting(Skipped::reason)
            .satisfiesExactly(reason -> assertThat(reason).contains("SHA-256"),
                    reason -> assertThat(reason).contains("is TENSORS-style; this model checkpoints as PATH"),
                    reason -> assertThat(reason).contains("cannot be read"));
        assertThat(state.lastRestore()).isEqualTo(report);
        assertThat(state.restoreFailures()).isEqualTo(3);
    }

    @Test
    void aBusyEngineEndsTheRestoreWithoutBlamingTheCheckpoint() {
        write("good", 0, CheckpointStyle.PATH);

        assertThatThrownBy(() -> restorer.restoreNewest(BUSY)).isInstanceOf(QueueFullException.class);

        assertThat(state.lastRestore()).isNull();
        assertThat(state.restoreFailures()).isZero();
    }

    @Test
    void aCheckpointAskedForByIdMustExistAndVerify() throws Exception {
        write("altered", 0, CheckpointStyle.PATH);
        Files.write(dir.resolve("altered.ckpt"), new byte[] { 9 });

        assertThatThrownBy(() -> restorer.restore("altered", BUSY))
            .isInstanceOfSatisfying(CheckpointRejectedException.class, e -> assertThat(e.field()).isEqualTo("id"))
            .hasMessageContaining("checkpoint altered failed verification");
        assertThatThrownBy(() -> restorer.restore("nope", BUSY)).isInstanceOf(CheckpointNotFoundException.class);
        assertThat(state.lastRestore()).isNull();
    }

}
