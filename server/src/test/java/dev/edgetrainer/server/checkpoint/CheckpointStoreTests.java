package dev.edgetrainer.server.checkpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import dev.edgetrainer.model.io.Sha256;
import dev.edgetrainer.model.tensor.CorruptCheckpointException;
import dev.edgetrainer.server.system.BadInputException;
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
        store = new CheckpointStore(dir, JsonMapper.builder().build());
        store.open();
    }

    private Manifest write(String id, long secondsAgo, byte[] data) {
        return store.write(new Manifest(id, Instant.now().minusSeconds(secondsAgo), null, 0, 7L, 0.5, "m",
                CheckpointStyle.TENSORS, Origin.SAVE, null), data);
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
        assertThat(new Retention(store, 2).prune()).containsExactly("old");
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

    /**
     * Manifests as this server wrote them while style and origin were strings (the first
     * copied from a real checkpoint directory), with the server's JSON settings: they
     * still read, and the same manifest is written byte for byte as before.
     */
    @Test
    void manifestsFromBeforeStyleAndOriginWereEnumsReadAndWriteTheSame() throws Exception {
        JsonMapper server = JsonMapper.builder()
            .changeDefaultPropertyInclusion(inclusion -> inclusion.withValueInclusion(JsonInclude.Include.NON_NULL))
            .build();
        CheckpointStore serverStore = new CheckpointStore(dir, server);
        byte[] data = { 1, 2, 3 };
        String sha = Sha256.hex(data);
        String uploaded = "{\"id\":\"from-peer\",\"createdAt\":\"2026-11-26T09:54:20.169691888Z\",\"sha256\":\"" + sha
                + "\",\"bytes\":3,\"style\":\"TENSORS\",\"origin\":\"upload\"}";
        String autoSaved = "{\"id\":\"20250101T120000123Z-s600\",\"createdAt\":\"2025-01-01T12:00:00.123Z\",\"sha256\":\""
                + sha + "\",\"bytes\":3,\"step\":600,\"loss\":0.41,\"modelSha256\":\"9f2c\",\"style\":\"PATH\","
                + "\"origin\":\"auto-save\"}";
        Files.writeString(dir.resolve("from-peer.json"), uploaded);
        Files.write(dir.resolve("from-peer.weights"), data);
        Files.writeString(dir.resolve("20250101T120000123Z-s600.json"), autoSaved);
        Files.write(dir.resolve("20250101T120000123Z-s600.ckpt"), data);

        Manifest peer = serverStore.find("from-peer").orElseThrow();
        Manifest auto = serverStore.find("20250101T120000123Z-s600").orElseThrow();

        assertThat(peer.style()).isEqualTo(CheckpointStyle.TENSORS);
        assertThat(peer.origin()).isEqualTo(Origin.UPLOAD);
        assertThat(auto.style()).isEqualTo(CheckpointStyle.PATH);
        assertThat(auto.origin()).isEqualTo(Origin.AUTO_SAVE);
        assertThat(serverStore.readVerified(peer)).containsExactly(data);
        assertThat(serverStore.readVerified(auto)).containsExactly(data);
        assertThat(server.writeValueAsString(peer)).isEqualTo(uploaded);
        assertThat(server.writeValueAsString(auto)).isEqualTo(autoSaved);
        serverStore.write(new Manifest("saved", Instant.parse("2025-01-01T12:00:00Z"), null, 0, 1L, null, "9f2c",
                CheckpointStyle.TENSORS, Origin.SAVE, null), data);
        assertThat(Files.readString(dir.resolve("saved.json"))).isEqualTo("{\"id\":\"saved\",\"createdAt\":"
                + "\"2025-01-01T12:00:00Z\",\"sha256\":\"" + sha + "\",\"bytes\":3,\"step\":1,\"modelSha256\":\"9f2c\","
                + "\"style\":\"TENSORS\",\"origin\":\"save\"}");
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
        assertThatThrownBy(() -> CheckpointIds.require(id, "id")).isInstanceOf(BadInputException.class)
            .hasMessageContaining("is not a checkpoint id");
    }

    @Test
    void deleteRemovesBothFilesAndUnknownIdsAreNotFound() {
        write("d1", 0, new byte[] { 1 });

        store.delete("d1");

        assertThat(store.list()).isEmpty();
        assertThatThrownBy(() -> store.delete("d1")).isInstanceOf(CheckpointNotFoundException.class)
            .hasMessage("there is no checkpoint 'd1'");
    }

}
