package dev.edgetrainer.server.torture;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;

import dev.edgetrainer.model.io.Sha256;
import dev.edgetrainer.server.ForkedServer;
import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import dev.edgetrainer.server.torture.CrashLedger.Outcome;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kill -9} of a real server process (the deployment's JVM settings) at random
 * moments while clients save checkpoints, run auto-saving training jobs, keep samples
 * ({@code keep=true}), upload and replace checkpoints, restore or reset, and delete. Each
 * round picks the kind of request to kill the server in, waits until one is on its way
 * and kills after a random delay; all kinds run throughout. After every restart: health
 * UP, the restore reported nothing skipped, the current checkpoint is one the requests
 * before the crash may have left current ({@link CrashLedger}), the weights in memory are
 * exactly that checkpoint's (a save's SHA-256 equals it), every acknowledged checkpoint
 * is there with the SHA-256 it was answered with, and the files agree with the listing
 * ({@link StoreAudit}: no temp file, no orphan); every sample kept with 200 is there, a
 * cut-off keep kept its whole batch or nothing. Two servers ({@code -Dedge.crash.lanes})
 * crash side by side on their own directories, so one starts while the other works.
 * {@code -Dedge.crash.rounds=N} (50 by default), {@code -Dedge.crash.seed=S} with
 * {@code -Dedge.crash.lanes=1} to replay a lane's choices.
 */
@Tag("torture")
class CrashTests {

    private static final int CRASHES = Integer.getInteger("edge.crash.rounds", 50);

    private static final long SEED = Long.getLong("edge.crash.seed", System.nanoTime());

    /** Servers crashed side by side, each on its own directory. */
    private static final int LANES = Integer.getInteger("edge.crash.lanes", 2);

    /**
     * The deployment's JVM settings, starting as the packaged jar does: from the bean
     * definitions generated at build time. C1 only: 51 starts on two cores are spent
     * mostly compiling otherwise.
     */
    private static final List<String> JVM = Stream
        .concat(ForkedServer.DEPLOYMENT_JVM.stream(), Stream.of("-Dspring.aot.enabled=true", "-XX:TieredStopAtLevel=1"))
        .toList();

    /** Samples a kept training request carries. */
    private static final int KEPT_BATCH = 4;

    /** Acknowledged checkpoints kept; more are deleted. */
    private static final int KEPT = 24;

    /** What a round kills the server in. */
    enum Kind {

        /** {@code POST /checkpoint/save}. */
        SAVE(40),
        /** An asynchronous training job of many steps, auto-saved at its end. */
        TRAINING(800),
        /** A one-step synchronous training job: mostly its auto-save. */
        AUTO_SAVE(60),
        /**
         * A one-step job that keeps its samples ({@code keep=true}): an append to the
         * sample store.
         */
        KEEP(60),
        /** {@code PUT /checkpoints/{id}/file}, new ids and replacements. */
        UPLOAD(60),
        /** {@code POST /checkpoint/restore} and {@code /reset}. */
        RESTORE(30),
        /** {@code DELETE /checkpoints/{id}}, which also keeps the store small. */
        DELETE(20);

        /** The longest delay after such a request is sent until the kill. */
        final int windowMillis;

        Kind(int windowMillis) {
            this.windowMillis = windowMillis;
        }

    }

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedCheckpointSurvivesKillDashNineAndTheRestartResumesFromACompleteOne() throws Exception {
        long started = System.nanoTime();
        List<Lane> lanes = new ArrayList<>();
        for (int i = 0; i < LANES; i++) {
            lanes.add(new Lane(dir.resolve("lane-" + i), SEED + i, CRASHES / LANES + (i < CRASHES % LANES ? 1 : 0)));
        }
        ExecutorService runner = Executors.newFixedThreadPool(LANES);
        try {
            List<Future<Void>> running = new ArrayList<>();
            for (Lane lane : lanes) {
                running.add(runner.submit(lane::run));
            }
            for (Future<Void> lane : running) {
                try {
                    lane.get();
                }
                catch (ExecutionException e) {
                    throw e.getCause() instanceof AssertionError failed ? failed : new AssertionError(e.getCause());
                }
            }
        }
        finally {
            runner.shutdownNow();
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        Map<Kind, Integer> killedIn = new EnumMap<>(Kind.class);
        lanes.forEach(lane -> lane.killedIn.forEach((kind, count) -> killedIn.merge(kind, count.get(), Integer::sum)));
        System.out.printf(
                "CrashTests: %d kill -9 survived in %d s (%d lanes, seed %d); killed while in flight: %s; "
                        + "acknowledged checkpoints %d, kept samples %d, lost 0; leftovers removed at startup %d%n",
                CRASHES, seconds, LANES, SEED, killedIn,
                lanes.stream().mapToInt(lane -> lane.ledger.checkpoints().size()).sum(),
                lanes.stream().mapToLong(lane -> lane.keptBefore).sum(),
                lanes.stream().mapToInt(lane -> lane.removedAtStartup).sum());
        if (CRASHES >= LANES * Kind.values().length) {
            for (Kind kind : Kind.values()) {
                assertThat(killedIn.get(kind)).as("kills while a " + kind + " was in flight").isPositive();
            }
        }
    }

    /**
     * One server and its checkpoint directory, crashed and restarted {@code crashes}
     * times; lanes run side by side so that one server starts while another works.
     */
    private final class Lane {

        private final Path dir;

        private final long seed;

        private final int crashes;

        private final Random random;

        private final CrashLedger ledger = new CrashLedger();

        private final Map<Kind, AtomicInteger> inFlight = new EnumMap<>(Kind.class);

        private final Map<Kind, AtomicInteger> killedIn = new EnumMap<>(Kind.class);

        private final AtomicLong uploads = new AtomicLong();

        /** Samples in the store at the last restart. */
        private long keptBefore;

        /** Samples whose keeping was acknowledged (200 with {@code kept}) since. */
        private final AtomicLong keptAcknowledged = new AtomicLong();

        /**
         * Batches of samples whose keeping the kill cut off: kept whole or not at all.
         */
        private final AtomicLong keepsCutOff = new AtomicLong();

        private String originalSha;

        private byte[] peerFile;

        private int removedAtStartup;

        Lane(Path dir, long seed, int crashes) {
            this.dir = dir;
            this.seed = seed;
            this.random = new Random(seed);
            this.crashes = crashes;
            for (Kind kind : Kind.values()) {
                inFlight.put(kind, new AtomicInteger());
                killedIn.put(kind, new AtomicInteger());
            }
        }

        Void run() throws Exception {
            Path checkpoints = dir.resolve("ckpt");
            String[] args = { "--edge.checkpoint.dir=" + checkpoints, "--edge.checkpoint.keep=10000",
                    "--edge.checkpoint.keep-uploads=10000", "--edge.checkpoint.auto-save=true",
                    "--edge.train.sync-timeout=60s", "--edge.data.dir=" + dir.resolve("samples"),
                    "--edge.data.max-samples=10000000" };
            ledger.restartedWith(CrashLedger.ORIGINAL, System.nanoTime());
            for (int round = 0; round <= crashes; round++) {
                try (ForkedServer server = ForkedServer.start(dir, JVM, args)) {
                    RestClient http = server.client();
                    try {
                        assertRestartIntact(http, checkpoints, "after crash " + round);
                    }
                    catch (AssertionError e) {
                        throw new AssertionError("seed " + seed + " (-Dedge.crash.seed=" + seed
                                + " -Dedge.crash.lanes=1), round " + round + "; requests of the round before: "
                                + ledger.describe() + "\n" + e.getMessage() + "\nserver log:\n" + server.log(), e);
                    }
                    if (round < crashes) {
                        crashDuring(server, round, Kind.values()[round % Kind.values().length]);
                    }
                }
            }
            return null;
        }

        private void crashDuring(ForkedServer server, int round, Kind target) throws InterruptedException {
            RestClient http = server.client();
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService clients = Executors.newFixedThreadPool(5);
            long seed = random.nextLong();
            clients.submit(() -> loop(running, seed, r -> save(http)));
            clients.submit(() -> loop(running, seed + 1, r -> train(http, r)));
            clients.submit(() -> loop(running, seed + 2, r -> upload(http, round, r)));
            clients.submit(() -> loop(running, seed + 3, r -> restore(http, r)));
            clients.submit(() -> loop(running, seed + 4, r -> delete(http, r)));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (inFlight.get(target).get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            Thread.sleep(random.nextInt(target.windowMillis));
            inFlight.forEach((kind, count) -> {
                if (count.get() > 0) {
                    killedIn.get(kind).incrementAndGet();
                }
            });
            server.kill();
            running.set(false);
            clients.shutdown();
            assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).as("clients stopped after the kill").isTrue();
        }

        private interface Step {

            void run(Random random) throws Exception;

        }

        private static Void loop(AtomicBoolean running, long seed, Step step) throws Exception {
            Random random = new Random(seed);
            while (running.get()) {
                step.run(random);
                Thread.sleep(random.nextInt(20));
            }
            return null;
        }

        /**
         * A request's answer, or null when the kill cut it off; counted in flight
         * meanwhile.
         */
        private ResponseEntity<JsonNode> send(Kind kind, Supplier<ResponseEntity<JsonNode>> request) {
            inFlight.get(kind).incrementAndGet();
            try {
                return request.get();
            }
            catch (RuntimeException cutOff) {
                return null;
            }
            finally {
                inFlight.get(kind).decrementAndGet();
            }
        }

        private void save(RestClient http) {
            long sent = System.nanoTime();
            ResponseEntity<JsonNode> saved = send(Kind.SAVE, () -> RunningServer.post(http, "/checkpoint/save", null));
            boolean created = saved != null && saved.getStatusCode().value() == 201;
            recordSave(saved, sent, created ? saved.getBody().get("id").asString() : null,
                    created ? saved.getBody().get("sha256").asString() : null);
        }

        /**
         * A save or an auto-save: acknowledged with its id (and SHA-256 when known),
         * refused, or cut off.
         */
        private void recordSave(ResponseEntity<JsonNode> response, long sent, String id, String sha256) {
            long answered = System.nanoTime();
            if (response == null) {
                ledger.change(CrashLedger.UNKNOWN_SAVE, sent, Long.MAX_VALUE, Outcome.CUT_OFF);
            }
            else if (id != null) {
                ledger.acknowledged(id, sha256);
                ledger.change(id, sent, answered, Outcome.SAVED);
            }
            else {
                ledger.change(CrashLedger.UNKNOWN_SAVE, sent, answered, Outcome.REFUSED);
            }
        }

        /**
         * A one-step job answered when its auto-save is stored, or a long job run in the
         * background and polled until it ends.
         */
        private void train(RestClient http, Random random) throws InterruptedException {
            long sent = System.nanoTime();
            if (random.nextInt(3) == 0) {
                ResponseEntity<JsonNode> job = send(Kind.KEEP,
                        () -> RunningServer.post(http, "/train?batchSize=4&keep=true",
                                Map.of("x", TestFixtures.batch(KEPT_BATCH), "y", TestFixtures.labels(KEPT_BATCH))));
                if (job == null) {
                    keepsCutOff.incrementAndGet();
                }
                else if (job.getStatusCode().value() == 200 && job.getBody().path("kept").asInt() == KEPT_BATCH) {
                    keptAcknowledged.addAndGet(KEPT_BATCH);
                }
                recordAutoSave(http, job, sent);
                return;
            }
            if (random.nextBoolean()) {
                ResponseEntity<JsonNode> job = send(Kind.AUTO_SAVE, () -> RunningServer.post(http, "/train?batchSize=4",
                        Map.of("x", TestFixtures.batch(4), "y", TestFixtures.labels(4))));
                recordAutoSave(http, job, sent);
                return;
            }
            var parts = RunningServer.parts();
            parts.add("images", RunningServer.file(TestFixtures.idxImages(200), "images.idx"));
            parts.add("labels", RunningServer.file(TestFixtures.idxLabels(200), "labels.idx"));
            inFlight.get(Kind.TRAINING).incrementAndGet();
            try {
                ResponseEntity<JsonNode> job = send(Kind.TRAINING,
                        () -> RunningServer.postParts(http, "/train?async=true&batchSize=1&epochs=3", parts));
                while (job != null && job.getStatusCode().is2xxSuccessful()
                        && !job.getBody().get("status").asString().matches("SUCCEEDED|FAILED|CANCELLED")) {
                    Thread.sleep(20);
                    String location = "/train/jobs/" + job.getBody().get("id").asString();
                    job = send(Kind.TRAINING, () -> http.get().uri(location).retrieve().toEntity(JsonNode.class));
                }
                if (job != null && job.getStatusCode().is2xxSuccessful()
                        && job.getBody().get("status").asString().matches("FAILED|CANCELLED")) {
                    // All or nothing: the weights went back to where the job started.
                    long now = System.nanoTime();
                    ledger.change(CrashLedger.ROLLED_BACK, now, now, Outcome.ACKNOWLEDGED);
                }
                recordAutoSave(http, job, sent);
            }
            finally {
                inFlight.get(Kind.TRAINING).decrementAndGet();
            }
        }

        /** A job is acknowledged once it names the checkpoint it was auto-saved as. */
        private void recordAutoSave(RestClient http, ResponseEntity<JsonNode> job, long sent) {
            String id = job == null ? null : job.getBody().path("checkpoint").asString(null);
            String sha256 = null;
            if (id != null) {
                ResponseEntity<JsonNode> manifest = send(Kind.AUTO_SAVE,
                        () -> http.get().uri("/checkpoints/" + id).retrieve().toEntity(JsonNode.class));
                if (manifest != null && manifest.getStatusCode().value() == 200) {
                    sha256 = manifest.getBody().get("sha256").asString();
                }
            }
            recordSave(job, sent, id, sha256);
        }

        /**
         * A new checkpoint from a peer, or now and then a replacement of an earlier one.
         */
        private void upload(RestClient http, int round, Random random) {
            if (peerFile == null) {
                return;
            }
            byte[] file = TestFixtures.variant(peerFile, (int) uploads.incrementAndGet());
            String sha = Sha256.hex(file);
            List<String> peers = new ArrayList<>(
                    ledger.checkpoints().keySet().stream().filter(id -> id.startsWith("peer-")).toList());
            if (!peers.isEmpty() && random.nextInt(5) == 0) {
                String id = peers.get(random.nextInt(peers.size()));
                Set<String> versions = ledger.checkpoints().get(id);
                if (versions.size() != 1) {
                    return;
                }
                String etag = "\"" + versions.iterator().next() + "\"";
                ResponseEntity<JsonNode> replaced = send(Kind.UPLOAD,
                        () -> http.put()
                            .uri("/checkpoints/" + id + "/file")
                            .contentType(MediaType.APPLICATION_OCTET_STREAM)
                            .header(HttpHeaders.IF_MATCH, etag)
                            .body(file)
                            .retrieve()
                            .toEntity(JsonNode.class));
                if (replaced == null) {
                    ledger.mayHaveReplaced(id, sha);
                }
                else if (replaced.getStatusCode().value() == 200) {
                    ledger.acknowledged(id, replaced.getBody().get("sha256").asString());
                }
                return;
            }
            String id = "peer-" + round + "-" + uploads.get();
            ResponseEntity<JsonNode> uploaded = send(Kind.UPLOAD, () -> RunningServer.upload(http, id, file));
            if (uploaded != null && uploaded.getStatusCode().value() == 201) {
                ledger.acknowledged(id, uploaded.getBody().get("sha256").asString());
            }
        }

        /** A restore of an acknowledged checkpoint, or now and then a reset. */
        private void restore(RestClient http, Random random) {
            List<String> ids = new ArrayList<>(ledger.checkpoints().keySet());
            if (ids.isEmpty()) {
                return;
            }
            boolean reset = random.nextInt(8) == 0;
            String target = reset ? CrashLedger.ORIGINAL : ids.get(random.nextInt(ids.size()));
            long sent = System.nanoTime();
            ResponseEntity<JsonNode> response = send(Kind.RESTORE,
                    () -> reset ? RunningServer.post(http, "/checkpoint/reset", null)
                            : RunningServer.post(http, "/checkpoint/restore", Map.of("id", target)));
            if (response == null) {
                ledger.change(target, sent, Long.MAX_VALUE, Outcome.CUT_OFF);
            }
            else {
                ledger.change(target, sent, System.nanoTime(),
                        response.getStatusCode().value() == 200 ? Outcome.ACKNOWLEDGED : Outcome.REFUSED);
            }
        }

        /**
         * Deletes an acknowledged checkpoint once there are more than {@value #KEPT}: the
         * store stays small, and a kill can hit a deletion too.
         */
        private void delete(RestClient http, Random random) {
            List<String> ids = new ArrayList<>(ledger.checkpoints().keySet());
            if (ids.size() <= KEPT) {
                return;
            }
            String id = ids.get(random.nextInt(ids.size()));
            if (!ledger.deleting(id)) {
                return;
            }
            ResponseEntity<JsonNode> response = send(Kind.DELETE,
                    () -> http.delete().uri("/checkpoints/" + id).retrieve().toEntity(JsonNode.class));
            if (response != null) {
                ledger.deleteAnswered(id, response.getStatusCode().value() == 204);
            }
        }

        /**
         * Every sample whose keeping was acknowledged is there, and of the requests the
         * kill cut off each kept its whole batch or nothing; no temp file is left.
         */
        private void assertSamplesIntact(RestClient http, String when) {
            long samples = http.get().uri("/data").retrieve().body(JsonNode.class).get("samples").asLong();
            long unknown = samples - keptBefore - keptAcknowledged.get();
            assertThat(unknown)
                .as(when + ": %d samples kept, %d before the crash, %d acknowledged since, %d batches cut off", samples,
                        keptBefore, keptAcknowledged.get(), keepsCutOff.get())
                .isBetween(0L, KEPT_BATCH * keepsCutOff.get());
            assertThat(unknown % KEPT_BATCH).as(when + ": kept samples come in whole batches").isZero();
            assertThat(StoreAudit.tempFiles(dir.resolve("samples"))).as(when + ": temp files of the sample store")
                .isEmpty();
            keptBefore = samples;
            keptAcknowledged.set(0);
            keepsCutOff.set(0);
        }

        private void assertRestartIntact(RestClient http, Path checkpoints, String when) {
            JsonNode health = http.get().uri("/actuator/health").retrieve().body(JsonNode.class);
            assertThat(health.get("status").asString()).as(when + ": " + health).isEqualTo("UP");
            JsonNode lastRestore = health.get("components").get("model").get("details").get("lastRestore");
            assertThat(lastRestore.get("skipped")).as(when + ": checkpoints skipped at startup").isEmpty();
            removedAtStartup += health.get("components")
                .get("checkpoints")
                .get("details")
                .get("removedAtStartup")
                .get("files")
                .asInt();

            assertSamplesIntact(http, when);

            JsonNode listing = http.get().uri("/checkpoints").retrieve().body(JsonNode.class);
            assertThat(listing.get("corrupt")).as(when + ": corrupt checkpoints").isEmpty();
            StoreAudit.assertAgrees(checkpoints, listing, when);
            Map<String, String> listed = new HashMap<>();
            Map<String, String> origins = new HashMap<>();
            listing.get("checkpoints").forEach(c -> {
                listed.put(c.get("id").asString(), c.get("sha256").asString());
                origins.put(c.get("id").asString(), c.get("origin").asString());
            });
            ledger.deletionsSettled(listed.keySet());
            assertThat(listed.keySet()).as(when + ": checkpoints deleted with 204")
                .filteredOn(ledger.deleted()::contains)
                .isEmpty();
            ledger.checkpoints().forEach((id, shas) -> {
                assertThat(listed).as(when + ": acknowledged checkpoint " + id + " lost").containsKey(id);
                if (!shas.isEmpty()) {
                    assertThat(shas).as(when + ": the SHA-256 of " + id).contains(listed.get(id));
                }
            });

            String current = listing.path("current").asString(null);
            assertThat(lastRestore.path("restored").asString(null)).as(when + ": restored at startup")
                .isEqualTo(current);
            Set<String> possible = ledger.possibleCurrent();
            String currentAs = current == null ? CrashLedger.ORIGINAL : current;
            boolean unansweredSave = current != null && !ledger.checkpoints().containsKey(current)
                    && possible.contains(CrashLedger.UNKNOWN_SAVE) && origins.get(current).matches("save|auto-save");
            // A failed job's rollback makes current what it was when the job started: one
            // of
            // the checkpoints acknowledged before.
            boolean rolledBack = possible.contains(CrashLedger.ROLLED_BACK)
                    && (current == null || ledger.checkpoints().containsKey(current));
            assertThat(possible.contains(currentAs) || unansweredSave || rolledBack)
                .as(when + ": current is " + currentAs + ", but the requests before the crash allow only " + possible)
                .isTrue();

            // The weights in memory are exactly the current checkpoint's.
            long sent = System.nanoTime();
            ResponseEntity<JsonNode> saved = RunningServer.post(http, "/checkpoint/save", null);
            assertThat(saved.getStatusCode().value()).as(when + ": " + saved.getBody()).isEqualTo(201);
            String weights = saved.getBody().get("sha256").asString();
            if (originalSha == null) {
                originalSha = weights;
                peerFile = http.get()
                    .uri("/checkpoints/" + saved.getBody().get("id").asString() + "/file")
                    .retrieve()
                    .body(byte[].class);
            }
            assertThat(weights).as(when + ": the weights in memory against current " + currentAs)
                .isEqualTo(current == null ? originalSha : listed.get(current));
            ledger.restartedWith(currentAs, sent);
            ledger.acknowledged(saved.getBody().get("id").asString(), weights);
            ledger.change(saved.getBody().get("id").asString(), sent, System.nanoTime(), Outcome.ACKNOWLEDGED);
        }

    }

}
