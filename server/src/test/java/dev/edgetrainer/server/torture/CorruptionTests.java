package dev.edgetrainer.server.torture;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Damaged files in a real checkpoint directory: a bit flipped at and a cut made after
 * every region of a checkpoint's data file (magic, version, count, each tensor's name
 * length, name, dtype, rank, dims and data, the digest), every byte of its manifest, and
 * the record of the current checkpoint. Each is detected before anything is loaded: a
 * restore is refused, a download too, the weights stay bit for bit what they were; at
 * startup the damaged checkpoint is skipped and reported, and the newest intact one is
 * restored instead.
 */
@Tag("torture")
@ExtendWith(OutputCaptureExtension.class)
class CorruptionTests {

    @TempDir
    Path dir;

    private RestClient http;

    @Test
    void aBitFlipOrCutInAnyRegionOfACheckpointFileIsRefusedAndNeverLoaded() throws Exception {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        Path checkpoints = dir.resolve("ckpt");
        try (ConfigurableApplicationContext server = RunningServer.start(model, checkpoints)) {
            http = RunningServer.client(RunningServer.port(server), null);
            String victim = trainAndSave(1);
            trainAndSave(2);
            String answers = probabilities();
            Path data = checkpoints.resolve(victim + ".weights");
            byte[] intact = Files.readAllBytes(data);

            Map<String, byte[]> damaged = new LinkedHashMap<>();
            for (Map.Entry<String, int[]> region : regions(intact).entrySet()) {
                int from = region.getValue()[0];
                int to = region.getValue()[1];
                for (int at : new int[] { from, (from + to) / 2, to - 1 }) {
                    for (int bit : new int[] { 0, 7, at % 8 }) {
                        byte[] flipped = intact.clone();
                        flipped[at] ^= (byte) (1 << bit);
                        damaged.put(region.getKey() + ": bit " + bit + " of byte " + at, flipped);
                    }
                }
                damaged.put(region.getKey() + ": cut at its start " + from, Arrays.copyOf(intact, from));
                damaged.put(region.getKey() + ": cut inside at " + (from + to) / 2,
                        Arrays.copyOf(intact, (from + to) / 2));
            }
            byte[] longer = Arrays.copyOf(intact, intact.length + 1);
            damaged.put("one byte appended", longer);
            damaged.put("empty", new byte[0]);

            for (Map.Entry<String, byte[]> damage : damaged.entrySet()) {
                Files.write(data, damage.getValue());
                String what = damage.getKey();
                ResponseEntity<JsonNode> restore = RunningServer.post(http, "/checkpoint/restore",
                        Map.of("id", victim));
                assertThat(restore.getStatusCode().value()).as(what + ": restore answered " + restore.getBody())
                    .isEqualTo(422);
                assertThat(restore.getBody().get("detail").asString()).as(what).contains(victim);
                assertThat(http.get()
                    .uri("/checkpoints/" + victim + "/file")
                    .retrieve()
                    .toBodilessEntity()
                    .getStatusCode()
                    .value()).as(what + ": download").isEqualTo(409);
                assertThat(probabilities()).as(what + ": the weights").isEqualTo(answers);
            }
            System.out.printf("CorruptionTests: %d damaged versions of a %d-byte checkpoint file refused%n",
                    damaged.size(), intact.length);

            Files.write(data, intact);
            assertThat(RunningServer.post(http, "/checkpoint/restore", Map.of("id", victim)).getStatusCode().value())
                .as("the intact file restores")
                .isEqualTo(200);
        }
    }

    @Test
    void aBitFlipOrCutAnywhereInAManifestIsReportedAndNeverLoaded() throws Exception {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        Path checkpoints = dir.resolve("ckpt");
        try (ConfigurableApplicationContext server = RunningServer.start(model, checkpoints)) {
            http = RunningServer.client(RunningServer.port(server), null);
            String victim = trainAndSave(1);
            String current = trainAndSave(2);
            String answers = probabilities();
            Path manifest = checkpoints.resolve(victim + ".json");
            byte[] intact = Files.readAllBytes(manifest);
            JsonNode listed = listed(victim);

            int cases = 0;
            List<String> undetected = new ArrayList<>();
            for (int at = 0; at < intact.length; at++) {
                byte[] flipped = intact.clone();
                flipped[at] ^= (byte) (1 << (at % 8));
                cases += 2;
                checkManifest(manifest, flipped, victim, current, listed, answers, "bit " + at % 8 + " of byte " + at,
                        undetected);
                checkManifest(manifest, Arrays.copyOf(intact, at), victim, current, listed, answers, "cut at " + at,
                        undetected);
            }
            System.out.printf("CorruptionTests: %d damaged versions of a %d-byte manifest%n", cases, intact.length);
            assertThat(undetected).as("damage to the manifest that went unnoticed").isEmpty();
        }
    }

    /**
     * Either reported as corrupt (listed under {@code corrupt}, restore refused), or the
     * damage changed nothing the server reads (e.g. a flip in white space).
     */
    private void checkManifest(Path manifest, byte[] damaged, String victim, String current, JsonNode listed,
            String answers, String what, List<String> undetected) throws IOException {
        Files.write(manifest, damaged);
        JsonNode now = listed(victim);
        if (now != null && !now.equals(listed)) {
            undetected.add(what + ": listed as " + now);
        }
        ResponseEntity<JsonNode> restore = RunningServer.post(http, "/checkpoint/restore", Map.of("id", victim));
        if (now == null) {
            assertThat(restore.getStatusCode().value()).as(what + ": restore answered " + restore.getBody())
                .isIn(404, 409, 422);
            assertThat(probabilities()).as(what + ": the weights").isEqualTo(answers);
        }
        else if (restore.getStatusCode().value() == 200) {
            // Restored from an intact data file its manifest still describes: back to
            // where the test stands.
            RunningServer.post(http, "/checkpoint/restore", Map.of("id", current));
        }
    }

    @Test
    void damagedCheckpointsAndRecordsAreSkippedAtStartupReportedAndTheNewestIntactOneRestored(CapturedOutput output)
            throws Exception {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        Path checkpoints = dir.resolve("ckpt");
        String older;
        String newer;
        Map<String, String> answers = new LinkedHashMap<>();
        try (ConfigurableApplicationContext server = RunningServer.start(model, checkpoints)) {
            http = RunningServer.client(RunningServer.port(server), null);
            older = trainAndSave(1);
            answers.put(older, probabilities());
            newer = trainAndSave(2);
            answers.put(newer, probabilities());
        }
        Path pointer = checkpoints.resolve("current.pointer");
        byte[] newerData = Files.readAllBytes(checkpoints.resolve(newer + ".weights"));

        // The current checkpoint's data damaged: skipped with its reason, the older one
        // restored.
        byte[] flipped = newerData.clone();
        flipped[flipped.length / 2] ^= 1;
        Files.write(checkpoints.resolve(newer + ".weights"), flipped);
        try (ConfigurableApplicationContext server = RunningServer.start(model, checkpoints)) {
            http = RunningServer.client(RunningServer.port(server), null);
            JsonNode lastRestore = RunningServer.modelHealth(http).get("lastRestore");
            assertThat(lastRestore.get("restored").asString()).isEqualTo(older);
            assertThat(lastRestore.get("skipped").toString()).contains(newer);
            assertThat(probabilities()).isEqualTo(answers.get(older));
        }
        Files.write(checkpoints.resolve(newer + ".weights"), newerData);
        byte[] record = Files.readAllBytes(pointer);
        assertThat(new String(record, StandardCharsets.UTF_8)).as("the record after that restart").contains(older);

        // The record damaged (a flip in its JSON, in its checksum, cut short, emptied):
        // the
        // newest of the device's own intact checkpoints instead of the one it named.
        List<byte[]> records = new ArrayList<>();
        byte[] inJson = record.clone();
        inJson[record.length / 4] ^= 2;
        records.add(inJson);
        byte[] inChecksum = record.clone();
        inChecksum[record.length - 3] ^= 1;
        records.add(inChecksum);
        records.add(Arrays.copyOf(record, record.length / 2));
        records.add(new byte[0]);
        for (byte[] damaged : records) {
            // The record named the older checkpoint: only a damaged one makes the server
            // fall back to the newer.
            Files.write(pointer, damaged);
            try (ConfigurableApplicationContext server = RunningServer.start(model, checkpoints)) {
                http = RunningServer.client(RunningServer.port(server), null);
                String what = "record " + new String(damaged, StandardCharsets.UTF_8);
                JsonNode lastRestore = RunningServer.modelHealth(http).get("lastRestore");
                assertThat(lastRestore.get("restored").asString()).as(what).isEqualTo(newer);
                assertThat(probabilities()).as(what).isEqualTo(answers.get(newer));
            }
        }
        assertThat(output.getOut()).contains("The record of the current checkpoint cannot be used");
    }

    /**
     * The regions of a weights file (the format of {@code WeightsFile}), each as [from,
     * to).
     */
    private static Map<String, int[]> regions(byte[] file) throws IOException {
        Map<String, int[]> regions = new LinkedHashMap<>();
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(file));
        regions.put("magic", new int[] { 0, 8 });
        regions.put("version", new int[] { 8, 12 });
        regions.put("count", new int[] { 12, 16 });
        in.skipNBytes(12);
        int count = in.readInt();
        int at = 16;
        for (int t = 0; t < count; t++) {
            int nameLength = in.readUnsignedShort();
            regions.put("tensor " + t + " name length", new int[] { at, at + 2 });
            at += 2;
            regions.put("tensor " + t + " name", new int[] { at, at + nameLength });
            in.skipNBytes(nameLength);
            at += nameLength;
            int dtype = in.readUnsignedByte();
            regions.put("tensor " + t + " dtype", new int[] { at, at + 1 });
            int rank = in.readUnsignedByte();
            regions.put("tensor " + t + " rank", new int[] { at + 1, at + 2 });
            at += 2;
            long elements = 1;
            for (int d = 0; d < rank; d++) {
                elements *= in.readInt();
            }
            regions.put("tensor " + t + " dims", new int[] { at, at + 4 * rank });
            at += 4 * rank;
            int bytes = (int) elements * (dtype == 4 ? 8 : 4);
            regions.put("tensor " + t + " data", new int[] { at, at + bytes });
            in.skipNBytes(bytes);
            at += bytes;
        }
        regions.put("digest", new int[] { at, at + 32 });
        assertThat(at + 32).as("the regions cover the file").isEqualTo(file.length);
        return regions;
    }

    private String trainAndSave(int seed) {
        RunningServer.post(http, "/train", Map.of("x", List.of(TestFixtures.sample(seed)), "y", List.of(seed % 10)));
        ResponseEntity<JsonNode> saved = RunningServer.post(http, "/checkpoint/save", null);
        assertThat(saved.getStatusCode().value()).isEqualTo(201);
        return saved.getBody().get("id").asString();
    }

    /** An inference answer as sent: equal strings are bit-identical floats. */
    private String probabilities() {
        return http.post()
            .uri("/infer")
            .contentType(MediaType.APPLICATION_JSON)
            .body(Map.of("x", List.of(TestFixtures.sample(7))))
            .retrieve()
            .body(String.class);
    }

    /** The checkpoint as listed; null when it is not (listed under corrupt instead). */
    private JsonNode listed(String id) {
        JsonNode list = http.get().uri("/checkpoints").retrieve().body(JsonNode.class);
        for (JsonNode checkpoint : list.get("checkpoints")) {
            if (checkpoint.get("id").asString().equals(id)) {
                return checkpoint;
            }
        }
        return null;
    }

}
