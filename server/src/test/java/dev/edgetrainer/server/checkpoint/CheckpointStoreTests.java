package dev.edgetrainer.server.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import dev.edgetrainer.model.io.AtomicFiles;
import dev.edgetrainer.model.io.Sha256;
import dev.edgetrainer.model.tensor.CorruptCheckpointException;
import dev.edgetrainer.server.system.BadInputException;
import org.junit.jupiter.api.AfterEach;
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

    /** The checkpoint the weights descend from, as the store is told. */
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

    private Manifest write(String id, long secondsAgo, byte[] data) {
        return write(id, secondsAgo, data, Preconditions.NONE);
    }

    private Manifest write(String id, long secondsAgo, byte[] data, Preconditions conditions) {
        return write(id, secondsAgo, data, conditions, Origin.SAVE);
    }

    private void write(String id, long secondsAgo, Origin origin) {
        write(id, secondsAgo, new byte[] { 1 }, Preconditions.NONE, origin);
    }

    private Manifest write(String id, long secondsAgo, byte[] data, Preconditions conditions, Origin origin) {
        try (CheckpointStore.Reservation reservation = store.reserve(id, conditions)) {
            return store.write(reservation, new Manifest(id, Instant.now().minusSeconds(secondsAgo), null, 0, 7L, 0.5,
                    "m", CheckpointStyle.TENSORS, origin, null), data);
        }
    }

    private List<String> files() throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Stops this store and starts another on the same directory, as a restart would. */
    private void reopen() {
        store.close();
        open();
    }

    @Test
    void writesDataAndManifestWithTheirChecksum() throws Exception {
        Manifest saved = write("a1", 0, new byte[] { 1, 2, 3 });

        assertThat(Files.readAllBytes(dir.resolve("a1.weights"))).containsExactly(1, 2, 3);
        assertThat(saved.sha256()).isEqualTo(Sha256.hex(new byte[] { 1, 2, 3 }));
        assertThat(saved.bytes()).isEqualTo(3);
        assertThat(store.require("a1")).isEqualTo(saved);
        assertThat(store.readVerified(saved)).containsExactly(1, 2, 3);
        assertThat(files()).containsExactly("a1.json", "a1.weights", "store.lock");
    }

    @Test
    void listsNewestFirstAndPrunesBeyondRetention() {
        write("old", 30, new byte[] { 1 });
        write("newest", 0, new byte[] { 2 });
        write("middle", 10, new byte[] { 3 });

        assertThat(store.list()).extracting(Manifest::id).containsExactly("newest", "middle", "old");
        assertThat(new Retention(store, () -> current, 2, 5, 3).prune()).containsExactly("old");
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
        Files.writeString(dir.resolve("short.json"),
                Files.readString(dir.resolve("good.json"))
                    .replace("good", "short")
                    .replaceAll("\"sha256\":\"[0-9a-f]+\"", "\"sha256\":\"abc\""));

        assertThat(store.scan()).extracting(CheckpointStore.Listed::id).contains("good", "bad", "short");
        assertThat(store.scan().stream().filter(l -> l.id().equals("bad")).findFirst().orElseThrow().problem())
            .contains("cannot be read");
        assertThat(store.scan().stream().filter(l -> l.id().equals("short")).findFirst().orElseThrow().problem())
            .contains("does not describe");
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
        store.close();
        CheckpointStore serverStore = new CheckpointStore(dir, server, () -> null);
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

        Manifest peer = serverStore.require("from-peer");
        Manifest auto = serverStore.require("20250101T120000123Z-s600");

        assertThat(peer.style()).isEqualTo(CheckpointStyle.TENSORS);
        assertThat(peer.origin()).isEqualTo(Origin.UPLOAD);
        assertThat(auto.style()).isEqualTo(CheckpointStyle.PATH);
        assertThat(auto.origin()).isEqualTo(Origin.AUTO_SAVE);
        assertThat(serverStore.readVerified(peer)).containsExactly(data);
        assertThat(serverStore.readVerified(auto)).containsExactly(data);
        assertThat(server.writeValueAsString(peer)).isEqualTo(uploaded);
        assertThat(server.writeValueAsString(auto)).isEqualTo(autoSaved);
        try (CheckpointStore.Reservation reservation = serverStore.reserve("saved", Preconditions.NONE)) {
            serverStore.write(reservation, new Manifest("saved", Instant.parse("2025-01-01T12:00:00Z"), null, 0, 1L,
                    null, "9f2c", CheckpointStyle.TENSORS, Origin.SAVE, null), data);
        }
        serverStore.close();
        assertThat(Files.readString(dir.resolve("saved.json"))).isEqualTo("{\"id\":\"saved\",\"createdAt\":"
                + "\"2025-01-01T12:00:00Z\",\"sha256\":\"" + sha + "\",\"bytes\":3,\"step\":1,\"modelSha256\":\"9f2c\","
                + "\"style\":\"TENSORS\",\"origin\":\"save\"}");
    }

    @Test
    void onlyTheStoresOwnTempFilesAndDataFilesWithoutAManifestAreRemovedOnOpen() throws Exception {
        write("kept", 0, new byte[] { 1 });
        store.close();
        String temp = AtomicFiles.tempFile(dir.resolve("x1.weights")).getFileName().toString();
        Files.write(dir.resolve(temp), new byte[] { 9, 9 });
        Files.write(dir.resolve("orphan.weights"), new byte[] { 9 });
        Files.write(dir.resolve("orphan.0123456789abcdef.ckpt"), new byte[] { 9 });
        for (String foreign : List.of(".tmp-123-a.weights", ".bashrc", "notes.txt", "a.b.weights")) {
            Files.write(dir.resolve(foreign), new byte[] { 7 });
        }

        open();

        assertThat(files()).containsExactly(".bashrc", ".tmp-123-a.weights", "a.b.weights", "kept.json", "kept.weights",
                "notes.txt", "store.lock");
        assertThat(store.status().removedAtStartup()).isEqualTo(new CheckpointStore.Removed(3, 4));
    }

    @Test
    void theDataOfAnUnreadableManifestIsKeptForItsOwnerToJudge() throws Exception {
        write("broken", 0, new byte[] { 1 });
        Files.writeString(dir.resolve("broken.json"), "{not json");

        reopen();

        assertThat(files()).contains("broken.json", "broken.weights");
        assertThat(store.scan()).singleElement().satisfies(l -> assertThat(l.problem()).contains("cannot be read"));
        store.delete("broken");
        assertThat(files()).containsExactly("store.lock");
    }

    @Test
    void aReplacementLeavesTheOldVersionUntilItsManifestIsWrittenAndOnlyTheNewOneAfter() throws Exception {
        Manifest first = write("peer", 10, new byte[] { 1 });
        Manifest second = write("peer", 5, new byte[] { 2 }, new Preconditions(List.of(first.sha256()), false));
        String secondData = "peer." + second.sha256().substring(0, 16) + ".weights";
        assertThat(files()).containsExactlyInAnyOrder("peer.json", secondData, "store.lock");
        assertThat(store.readVerified(store.require("peer"))).containsExactly(2);

        // Killed after the new data, before its manifest: the old version stands.
        Manifest third = second.withData(Sha256.hex(new byte[] { 3 }), 1);
        String thirdData = "peer." + third.sha256().substring(0, 16) + ".weights";
        Files.write(dir.resolve(thirdData), new byte[] { 3 });
        reopen();
        assertThat(files()).containsExactlyInAnyOrder("peer.json", secondData, "store.lock");
        assertThat(store.readVerified(store.require("peer"))).containsExactly(2);

        // Killed after the new manifest, before the old data was removed: the new one
        // stands.
        Files.write(dir.resolve(thirdData), new byte[] { 3 });
        Files.write(dir.resolve("peer.json"), JsonMapper.builder().build().writeValueAsBytes(third));
        reopen();
        assertThat(files()).containsExactlyInAnyOrder("peer.json", thirdData, "store.lock");
        assertThat(store.readVerified(store.require("peer"))).containsExactly(3);
    }

    @Test
    void anIdIsWrittenByOneRequestAtATimeAndNeverWhileRead() {
        write("taken", 0, new byte[] { 1 });
        String sha = store.require("taken").sha256();

        try (CheckpointStore.Reservation writing = store.reserve("fresh", Preconditions.NONE)) {
            assertThatThrownBy(() -> store.reserve("fresh", Preconditions.NONE))
                .isInstanceOf(CheckpointInUseException.class);
            assertThat(store.reserveNew(Instant.parse("2025-01-01T00:00:00Z"), 1).id()).isNotEqualTo("fresh");
        }
        assertThatThrownBy(() -> store.reserve("taken", Preconditions.NONE))
            .isInstanceOf(CheckpointExistsException.class)
            .hasMessageContaining(sha);
        try (CheckpointStore.Pin reading = store.pin("taken")) {
            assertThatThrownBy(() -> store.reserve("taken", new Preconditions(List.of(sha), false)))
                .isInstanceOf(CheckpointInUseException.class);
            assertThatThrownBy(() -> store.delete("taken")).isInstanceOf(CheckpointInUseException.class);
        }
        current = "taken";
        assertThatThrownBy(() -> store.reserve("taken", new Preconditions(List.of("*"), false)))
            .isInstanceOf(CheckpointInUseException.class)
            .hasMessageContaining("current");
        assertThatThrownBy(() -> store.delete("taken")).isInstanceOf(CheckpointInUseException.class);
        current = null;
        store.delete("taken");
    }

    @Test
    void newIdsAreUniqueUnderConcurrentSaves() throws Exception {
        Instant now = Instant.parse("2025-01-01T00:00:00Z");
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> ids = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                ids.add(threads.submit(() -> {
                    try (CheckpointStore.Reservation reservation = store.reserveNew(now, 3)) {
                        store.write(reservation, new Manifest(reservation.id(), now, null, 0, 3L, null, "m",
                                CheckpointStyle.TENSORS, Origin.SAVE, null), new byte[] { 1 });
                        return reservation.id();
                    }
                }));
            }
            Set<String> distinct = new HashSet<>();
            for (Future<String> id : ids) {
                distinct.add(id.get());
            }
            assertThat(distinct).hasSize(64).contains("20250101T000000000Z-s3", "20250101T000000000Z-s3-64");
        }
        finally {
            threads.shutdown();
        }
    }

    @Test
    void theRecordOfTheCurrentCheckpointIsChecksummed() throws Exception {
        assertThat(store.readCurrent()).isEqualTo(CurrentPointer.Recorded.ABSENT);
        store.writeCurrent("a1");
        assertThat(store.readCurrent()).isEqualTo(new CurrentPointer.Recorded(true, "a1", null));
        store.writeCurrent(null);
        assertThat(store.readCurrent()).isEqualTo(new CurrentPointer.Recorded(true, null, null));

        Files.writeString(dir.resolve("current.pointer"),
                Files.readString(dir.resolve("current.pointer")).replace("null", "\"a2\""));

        assertThat(store.readCurrent().problem()).contains("checksum");
    }

    @Test
    void asecondStoreOnTheSameDirectoryIsRefused() {
        CheckpointStore second = new CheckpointStore(dir, JsonMapper.builder().build(), () -> null);

        assertThatThrownBy(second::open).isInstanceOf(CheckpointDirectoryLockedException.class)
            .hasMessageContaining("pid " + ProcessHandle.current().pid());
        assertThat(store.list()).isEmpty();
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

        assertThat(new Retention(store, () -> current, 2, 1, 3).prune()).containsExactlyInAnyOrder("own-2", "peer-1",
                "peer-2");

        assertThat(store.list()).extracting(Manifest::id).containsExactly("peer-3", "own-4", "own-3", "own-1");
    }

    @Test
    void aCheckpointInUseIsLeftForTheNextPrune() {
        write("own-1", 20, Origin.SAVE);
        write("own-2", 10, Origin.SAVE);
        Retention retention = new Retention(store, () -> current, 1, 1, 3);

        try (CheckpointStore.Pin restoring = store.pin("own-1")) {
            assertThat(retention.prune()).isEmpty();
        }

        assertThat(retention.prune()).containsExactly("own-1");
    }

}
