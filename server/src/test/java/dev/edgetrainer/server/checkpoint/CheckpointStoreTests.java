package dev.edgetrainer.server.checkpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import dev.edgetrainer.model.io.Sha256;
import dev.edgetrainer.model.tensor.CorruptCheckpointException;
import dev.edgetrainer.server.system.ApiException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CheckpointStoreTests {

    @TempDir
    Path dir;

    private CheckpointStore store;

    @BeforeEach
    void open() {
        store = new CheckpointStore(dir, 2, JsonMapper.builder().build());
        store.open();
    }

    private Manifest write(String id, long secondsAgo, byte[] data) {
        return store.write(
                new Manifest(id, Instant.now().minusSeconds(secondsAgo), null, 0, 7L, 0.5, "m", "TENSORS", "save"),
                data);
    }

    @Test
    void writesDataAndManifestWithTheirChecksum() throws Exception {
        Manifest saved = write("a1", 0, new byte[] { 1, 2, 3 });

        assertThat(Files.readAllBytes(dir.resolve("a1.weights"))).containsExactly(1, 2, 3);
        assertThat(saved.sha256()).isEqualTo(Sha256.hex(new byte[] { 1, 2, 3 }));
        assertThat(saved.bytes()).isEqualTo(3);
        assertThat(store.find("a1")).contains(saved);
        assertThat(store.readVerified(saved)).containsExactly(1, 2, 3);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("a1.weights", "a1.json");
        }
    }

    @Test
    void listsNewestFirstAndPrunesBeyondRetention() {
        write("old", 30, new byte[] { 1 });
        write("newest", 0, new byte[] { 2 });
        write("middle", 10, new byte[] { 3 });

        assertThat(store.list()).extracting(Manifest::id).containsExactly("newest", "middle", "old");
        assertThat(store.prune()).containsExactly("old");
        assertThat(store.list()).extracting(Manifest::id).containsExactly("newest", "middle");
        assertThat(dir.resolve("old.weights")).doesNotExist();
    }

    @Test
    void alteredOrMissingDataFailsVerification() throws Exception {
        Manifest altered = write("x1", 0, new byte[] { 1, 2, 3 });
        Manifest missing = write("x2", 0, new byte[] { 4 });
        Files.write(dir.resolve("x1.weights"), new byte[] { 1, 2, 4 });
        Files.delete(dir.resolve("x2.weights"));

        assertThatThrownBy(() -> store.readVerified(altered)).isInstanceOf(CorruptCheckpointException.class)
            .hasMessageContaining("SHA-256");
        assertThatThrownBy(() -> store.readVerified(missing)).isInstanceOf(CorruptCheckpointException.class)
            .hasMessageContaining("missing");
    }

    @Test
    void aBrokenManifestIsListedWithItsProblem() throws Exception {
        write("good", 10, new byte[] { 1 });
        Files.writeString(dir.resolve("bad.json"), "{not json");

        assertThat(store.scan()).extracting(CheckpointStore.Listed::id).contains("good", "bad");
        assertThat(store.scan().stream().filter(l -> l.id().equals("bad")).findFirst().orElseThrow().problem())
            .contains("cannot be read");
        assertThat(store.list()).extracting(Manifest::id).containsExactly("good");
    }

    @Test
    void tempFilesLeftByACrashAreRemovedOnOpen() throws Exception {
        Files.write(dir.resolve(".tmp-123-a.weights"), new byte[] { 9 });

        store.open();

        assertThat(dir.resolve(".tmp-123-a.weights")).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = { "../x", "/etc/passwd", "a/b", "a\\b", ".hidden", "a.b", "", "x%2Fy",
            "0123456789012345678901234567890123456789012345678901234567890123456789" })
    void onlyPlainNamesAreIds(String id) {
        assertThatThrownBy(() -> CheckpointStore.requireId(id, "id")).isInstanceOf(ApiException.class)
            .hasMessageContaining("is not a checkpoint id");
    }

    @Test
    void deleteRemovesBothFilesAndUnknownIdsAre404() {
        write("d1", 0, new byte[] { 1 });

        store.delete("d1");

        assertThat(store.list()).isEmpty();
        assertThatThrownBy(() -> store.delete("d1")).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.status().value()).isEqualTo(404));
    }

}
