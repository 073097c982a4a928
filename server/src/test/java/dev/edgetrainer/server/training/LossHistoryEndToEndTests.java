package dev.edgetrainer.server.training;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.annotation.DirtiesContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * On a server of its own: the checks of every single step need a history that has not yet
 * merged points, which the other classes' training would have made it do.
 */
@ExtendWith(OutputCaptureExtension.class)
@DirtiesContext(classMode = DirtiesContext.ClassMode.BEFORE_CLASS)
class LossHistoryEndToEndTests extends RunningServer {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient client = HttpClient.newHttpClient();

    private JsonNode trainSync(int samples, int batchSize, int epochs) {
        JsonNode job = post("/train", Map.of("x", TestFixtures.batch(samples), "y", TestFixtures.labels(samples),
                "batchSize", batchSize, "epochs", epochs, "shuffle", false))
            .getBody();
        assertThat(job.get("status").asString()).isEqualTo("SUCCEEDED");
        return job;
    }

    @Test
    void theHistoryHasEveryStepTakenOnThisDevice() {
        JsonNode before = get("/train/history").getBody().get("device");

        JsonNode job = trainSync(20, 5, 2);

        JsonNode history = get(
                "/train/history?after=" + lastSeq(before) + "&generation=" + before.get("generation").asLong())
            .getBody();
        assertThat(history.has("pretraining")).as("the test model carries no pretraining history").isFalse();
        JsonNode device = history.get("device");
        assertThat(device.get("full").asBoolean()).isFalse();
        assertThat(device.get("steps").asLong()).isEqualTo(before.get("steps").asLong() + 8);
        List<JsonNode> points = device.get("points").valueStream().toList();
        assertThat(points).hasSize(8);
        for (int i = 0; i < 8; i++) {
            assertThat(points.get(i).get("seq").asLong()).isEqualTo(before.get("steps").asLong() + i + 1);
            assertThat(points.get(i).get("step").asLong()).isEqualTo(i + 1);
        }
        assertThat(points.get(7).get("loss").asDouble()).isEqualTo(job.get("loss").asDouble());
        assertThat(get("/train/history?after=x").getBody().get("field").asString()).isEqualTo("after");
    }

    @Test
    void theStreamSendsNewStepsAsTheyHappen() throws Exception {
        JsonNode before = get("/train/history").getBody().get("device");
        try (Stream stream = open(lastSeq(before), before.get("generation").asLong())) {
            assertThat(stream.response.statusCode()).isEqualTo(200);
            assertThat(stream.response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
            JsonNode first = stream.next();
            assertThat(first.get("points").isEmpty()).isTrue();

            trainSync(30, 5, 2);

            List<Long> seqs = new ArrayList<>();
            long expected = before.get("steps").asLong() + 12;
            while (seqs.isEmpty() || seqs.get(seqs.size() - 1) < expected) {
                stream.next().get("points").forEach(point -> seqs.add(point.get("seq").asLong()));
            }
            // Every step exactly once, in order, over however many events.
            assertThat(seqs).hasSize(12).isSorted().doesNotHaveDuplicates();
            assertThat(seqs.get(0)).isEqualTo(before.get("steps").asLong() + 1);
        }
    }

    @Test
    void streamsAreBoundedAndClientsThatLeaveFreeTheirPlaceQuietly(CapturedOutput output) throws Exception {
        List<Stream> streams = new ArrayList<>();
        try {
            for (int i = 0; i <= LossHistoryPublisher.MAX_SUBSCRIBERS; i++) {
                streams.add(open(-1, 0));
            }
            List<Stream> served = streams.stream().filter(s -> s.response.statusCode() == 200).toList();
            List<Stream> refused = streams.stream().filter(s -> s.response.statusCode() == 503).toList();
            assertThat(served).hasSizeBetween(1, LossHistoryPublisher.MAX_SUBSCRIBERS);
            assertThat(refused).hasSize(streams.size() - served.size());
            assertThat(refused.get(0).response.headers().firstValue("Retry-After")).isPresent();
            assertThat(refused.get(0).response.headers().firstValue("Content-Type"))
                .hasValue("application/problem+json");
        }
        finally {
            streams.forEach(Stream::close);
        }

        // The server learns that a browser left when it next writes to it.
        int status = 0;
        for (int attempt = 0; attempt < 50 && status != 200; attempt++) {
            trainSync(2, 2, 1);
            Thread.sleep(2 * LossHistoryPublisher.TICK.toMillis());
            try (Stream again = open(-1, 0)) {
                status = again.response.statusCode();
            }
        }
        assertThat(status).isEqualTo(200);
        assertThat(output).doesNotContain("ERROR").doesNotContain("Exception");
    }

    @Test
    void shutdownEndsOpenStreamsInsteadOfWaitingForThem(@TempDir Path dir, CapturedOutput output) throws Exception {
        ConfigurableApplicationContext server = RunningServer.start(TestFixtures.writeModel(dir, TestFixtures.SMALL),
                dir.resolve("checkpoints"));
        HttpRequest request = HttpRequest
            .newBuilder(URI.create("http://localhost:" + RunningServer.port(server) + "/train/history/stream"))
            .build();
        try (Stream stream = new Stream(client.send(request, HttpResponse.BodyHandlers.ofInputStream()))) {
            stream.next();

            server.close();

            stream.reader.join(10_000);
            assertThat(stream.reader.isAlive()).as("the stream ended").isFalse();
            assertThat(output).doesNotContain("Graceful shutdown aborted");
        }
    }

    private static long lastSeq(JsonNode device) {
        JsonNode points = device.get("points");
        return points.isEmpty() ? -1 : points.get(points.size() - 1).get("seq").asLong();
    }

    private Stream open(long after, long generation) throws Exception {
        HttpRequest request = HttpRequest
            .newBuilder(
                    URI.create(uri("/train/history/stream?after=" + after + "&generation=" + generation).toString()))
            .header("Accept", "text/event-stream")
            .build();
        return new Stream(client.send(request, HttpResponse.BodyHandlers.ofInputStream()));
    }

    /** The events of one stream, read on a thread of their own. */
    private static final class Stream implements AutoCloseable {

        final HttpResponse<InputStream> response;

        final BlockingQueue<String> events = new LinkedBlockingQueue<>();

        private final Thread reader;

        Stream(HttpResponse<InputStream> response) {
            this.response = response;
            this.reader = new Thread(this::read, "sse-test-reader");
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                StringBuilder data = new StringBuilder();
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.startsWith("data:")) {
                        data.append(line.substring(5));
                    }
                    else if (line.isEmpty() && !data.isEmpty()) {
                        events.add(data.toString());
                        data.setLength(0);
                    }
                }
            }
            catch (Exception e) {
                // Closed by the test.
            }
        }

        /** The next {@code history} event's data. */
        JsonNode next() throws InterruptedException {
            String data = events.poll(10, TimeUnit.SECONDS);
            assertThat(data).as("an event within 10 s").isNotNull();
            return JSON.readTree(data);
        }

        @Override
        public void close() {
            try {
                response.body().close();
            }
            catch (Exception e) {
                // Already closed.
            }
            reader.interrupt();
        }

    }

}
