package dev.edgetrainer.server.torture;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import dev.edgetrainer.server.ForkedServer;
import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Mixed load on one real server process with the deployment's JVM settings and the
 * bundled model: clients infer (JSON batches and PNGs), train and save at once for
 * {@code -Dedge.soak.minutes} (2 by default; the README's figure is from 10). After the
 * first quarter (warm-up: heap, JIT, buffers sized) the process's resident memory grows
 * less than 10% and JavaCPP's native memory (bytes and objects it tracks) stays flat; no
 * answer but 2xx and 503 (backpressure).
 */
@Tag("torture")
class SoakTests {

    private static final double MINUTES = Double.parseDouble(System.getProperty("edge.soak.minutes", "2"));

    /** Native memory JavaCPP may hold beyond the warm-up's: a few batches' buffers. */
    private static final long NATIVE_SLACK = 2L << 20;

    @TempDir
    Path dir;

    private final Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();

    @Test
    void mixedLoadKeepsMemoryFlatAndAnswersOnlySuccessOrBackpressure() throws Exception {
        List<String> jvm = Stream.concat(ForkedServer.DEPLOYMENT_JVM.stream(), Stream.of("-Dspring.aot.enabled=true"))
            .toList();
        Duration length = Duration.ofMillis((long) (MINUTES * 60_000));
        Duration warmUp = length.dividedBy(4);
        try (ForkedServer server = ForkedServer.start(dir, jvm, "--edge.checkpoint.dir=" + dir.resolve("ckpt"),
                "--edge.checkpoint.keep=3")) {
            RestClient http = server.client();
            long end = System.nanoTime() + length.toNanos();
            ExecutorService clients = Executors.newFixedThreadPool(5);
            List<Future<Void>> running = new ArrayList<>();
            running.add(clients.submit(() -> load(end, 1, random -> infer(http, random))));
            running.add(clients.submit(() -> load(end, 2, random -> infer(http, random))));
            running.add(clients.submit(() -> load(end, 3, random -> inferPng(http, random))));
            running.add(clients.submit(() -> load(end, 4, random -> train(http, random))));
            running.add(clients.submit(() -> load(end, 5, random -> save(http))));

            Thread.sleep(warmUp.toMillis());
            Sample warm = Sample.of(server, http);
            List<Sample> samples = new ArrayList<>(List.of(warm));
            while (System.nanoTime() < end) {
                Thread.sleep(Math.min(5000, Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
                samples.add(Sample.of(server, http));
            }
            clients.shutdown();
            for (Future<Void> client : running) {
                client.get(2, TimeUnit.MINUTES);
            }
            Sample last = Sample.of(server, http);
            long requests = statuses.values().stream().mapToLong(AtomicLong::get).sum();
            System.out.printf(
                    "SoakTests: %.1f min, %d requests %s; RSS %d -> %d MB after warm-up (max %d MB, %+.1f%%); "
                            + "JavaCPP %d -> %d bytes, %d -> %d objects%n",
                    MINUTES, requests, statuses, warm.rss() >> 20, last.rss() >> 20,
                    samples.stream().mapToLong(Sample::rss).max().getAsLong() >> 20,
                    100.0 * (last.rss() - warm.rss()) / warm.rss(), warm.nativeBytes(), last.nativeBytes(),
                    warm.nativeObjects(), last.nativeObjects());

            assertThat(statuses.keySet()).as("statuses other than success and backpressure: " + statuses)
                .allMatch(status -> status < 300 || status == 503);
            assertThat(statuses.keySet()).as("the load reached inference, training and saves").contains(200, 201);
            assertThat(last.rss()).as("resident memory after warm-up, samples " + samples)
                .isLessThan((long) (warm.rss() * 1.10));
            assertThat(last.nativeBytes()).as("JavaCPP's native bytes, samples " + samples)
                .isLessThanOrEqualTo(warm.nativeBytes() + NATIVE_SLACK);
            assertThat(last.nativeObjects()).as("JavaCPP's native objects, samples " + samples)
                .isLessThanOrEqualTo(warm.nativeObjects() + 64);
            assertThat(server.isAlive()).isTrue();
        }
    }

    private interface Step {

        int run(Random random);

    }

    private Void load(long end, int seed, Step step) {
        Random random = new Random(seed);
        while (System.nanoTime() < end) {
            int status = step.run(random);
            statuses.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
            if (status == 503) {
                sleep(50);
            }
        }
        return null;
    }

    private static int infer(RestClient http, Random random) {
        int count = 1 + random.nextInt(8);
        List<List<List<Float>>> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            batch.add(TestFixtures.sample(random.nextInt(1000)));
        }
        return RunningServer.post(http, "/infer", Map.of("x", batch)).getStatusCode().value();
    }

    private static int inferPng(RestClient http, Random random) {
        return http.post()
            .uri("/infer")
            .contentType(MediaType.IMAGE_PNG)
            .body(TestFixtures.png(random.nextInt(1000)))
            .retrieve()
            .toBodilessEntity()
            .getStatusCode()
            .value();
    }

    private static int train(RestClient http, Random random) {
        int count = 16;
        List<List<List<Float>>> batch = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int seed = random.nextInt(1000);
            batch.add(TestFixtures.sample(seed));
            labels.add(seed % 10);
        }
        return RunningServer.post(http, "/train?batchSize=16", Map.of("x", batch, "y", labels)).getStatusCode().value();
    }

    private static int save(RestClient http) {
        sleep(1000);
        return RunningServer.post(http, "/checkpoint/save", null).getStatusCode().value();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The server's memory at one moment. */
    record Sample(long rss, long nativeBytes, long nativeObjects) {

        static Sample of(ForkedServer server, RestClient http) {
            return new Sample(server.rssBytes(), metric(http, "edge.native.memory?tag=kind:javacpp"),
                    metric(http, "edge.native.pointers"));
        }

        private static long metric(RestClient http, String name) {
            JsonNode metric = http.get().uri("/actuator/metrics/" + name).retrieve().body(JsonNode.class);
            return (long) metric.get("measurements").get(0).get("value").asDouble();
        }

        @Override
        public String toString() {
            return (rss >> 20) + " MB/" + nativeBytes + " B/" + nativeObjects;
        }

    }

}
