package dev.edgetrainer.server.inference;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.edgetrainer.model.io.Sha256;
import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import dev.edgetrainer.server.model.ModelEngine;
import dev.edgetrainer.server.model.TaskKind;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.MultiValueMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class InferenceEndToEndTests extends RunningServer {

    @Autowired
    ModelEngine engine;

    @Autowired
    MeterRegistry registry;

    @Test
    void onePngGetsRankedPredictionsAndTheWeightsIdentity() throws Exception {
        ResponseEntity<JsonNode> response = postBytes("/infer?top=4", TestFixtures.png(1), MediaType.IMAGE_PNG);

        assertThat(response.getStatusCode().value()).isEqualTo(200);
        assertThat(response.getBody().get("output").asString()).isEqualTo("probabilities");
        JsonNode prediction = response.getBody().get("predictions").get(0);
        // No sample position: predictions come in input order, and an "index" beside the
        // label read as the class's.
        assertThat(prediction.has("index")).isFalse();
        assertThat(prediction.get("probabilities")).hasSize(10);
        assertThat(prediction.get("logits")).hasSize(10);
        double sum = prediction.get("probabilities").valueStream().mapToDouble(JsonNode::asDouble).sum();
        assertThat(sum).isCloseTo(1.0, within(1e-4));
        JsonNode top = prediction.get("top");
        assertThat(top).hasSize(4);
        assertThat(top.get(0).get("probability").asDouble())
            .isGreaterThanOrEqualTo(top.get(1).get("probability").asDouble());
        assertThat(prediction.get("label").asString()).isEqualTo(top.get(0).get("label").asString());
        assertThat(prediction.get("classIndex").asInt()).isEqualTo(top.get(0).get("index").asInt());
        assertThat(prediction.get("probability").asDouble()).isEqualTo(top.get(0).get("probability").asDouble());
        assertThat(prediction.get("probabilities").get(prediction.get("classIndex").asInt()).asDouble())
            .isEqualTo(prediction.get("probability").asDouble());
        JsonNode weights = response.getBody().get("weights");
        assertThat(weights.get("modelSha256").asString()).isEqualTo(Sha256.hex(Files.readAllBytes(MODEL)));
        assertThat(weights.get("step").asLong()).isZero();
    }

    @Test
    void multipartImagesAreAnsweredInPartOrderAndMatchSingleRequests() {
        MultiValueMap<String, Object> parts = parts();
        parts.add("image", file(TestFixtures.png(2), "a.png"));
        parts.add("image", file(TestFixtures.image(TestFixtures.pixels(3), "jpeg"), "b.jpg"));

        ResponseEntity<JsonNode> response = postParts("/infer", parts);

        assertThat(response.getStatusCode().value()).isEqualTo(200);
        JsonNode predictions = response.getBody().get("predictions");
        assertThat(predictions).hasSize(2);
        assertThat(predictions.get(1).has("index")).isFalse();
        List<Double> alone = probabilities(TestFixtures.png(2));
        for (int i = 0; i < 10; i++) {
            // A batch of two may take other kernels than a batch of one: equal up to
            // float rounding.
            assertThat(predictions.get(0).get("probabilities").get(i).asDouble()).isCloseTo(alone.get(i), within(1e-5));
        }
    }

    @Test
    void jsonSampleAndBatchGiveWhatThePngGives() {
        List<Double> fromPng = probabilities(TestFixtures.png(4));

        ResponseEntity<JsonNode> one = post("/infer", Map.of("x", TestFixtures.sample(4)));
        ResponseEntity<JsonNode> batch = post("/infer",
                Map.of("x", List.of(TestFixtures.sample(5), TestFixtures.sample(4))));

        assertThat(one.getStatusCode().value()).isEqualTo(200);
        double[] single = one.getBody()
            .get("predictions")
            .get(0)
            .get("probabilities")
            .valueStream()
            .mapToDouble(JsonNode::asDouble)
            .toArray();
        for (int i = 0; i < 10; i++) {
            assertThat(single[i]).isCloseTo(fromPng.get(i), within(1e-6));
        }
        assertThat(batch.getBody().get("predictions")).hasSize(2);
        assertThat(batch.getBody().get("predictions").get(1).get("probabilities").get(3).asDouble())
            .isCloseTo(fromPng.get(3), within(1e-6));
    }

    @Test
    void badRequestsAreProblemsNamingTheField() {
        float[][] wrongShape = new float[27][28];

        assertProblem(postBytes("/infer", new byte[] { (byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 1, 2, 3 },
                MediaType.IMAGE_PNG), 400, "image");
        assertProblem(postBytes("/infer", "not an image".getBytes(), MediaType.IMAGE_JPEG), 400, "image");
        assertProblem(postBytes("/infer", "hello".getBytes(), MediaType.TEXT_PLAIN), 415, null);
        assertProblem(post("/infer", Map.of("x", wrongShape)), 400, "x");
        assertProblem(post("/infer", Map.of("x", List.of())), 400, "x");
        assertProblem(post("/infer", Map.of("y", List.of(1))), 400, "x");
        assertProblem(post("/infer", Map.of("x", List.of(List.of(1, 2), List.of(1)))), 400, "x[1]");
        assertProblem(post("/infer", Map.of("x", List.of(List.of("a")))), 400, "x[0][0]");
        assertProblem(postBytes("/infer", "{\"x\": [1e39]}".getBytes(), MediaType.APPLICATION_JSON), 400, "x[0]");
        assertProblem(postBytes("/infer", "{\"x\": [[1, 2]".getBytes(), MediaType.APPLICATION_JSON), 400, "body");
        assertProblem(postBytes("/infer", new byte[3 * 1024 * 1024], MediaType.IMAGE_PNG), 413, "body");
        assertProblem(postBytes("/infer?top=0", TestFixtures.png(1), MediaType.IMAGE_PNG), 400, "top");
        assertProblem(postBytes("/infer?invert=sideways", TestFixtures.png(1), MediaType.IMAGE_PNG), 400, "invert");
        assertProblem(get("/infer"), 405, null);
        assertProblem(get("/no/such/path"), 404, null);
    }

    @Test
    void invertingChangesTheInput() {
        byte[] png = TestFixtures.png(6);
        List<Double> normal = probabilities(png);
        ResponseEntity<JsonNode> inverted = postBytes("/infer?invert=always", png, MediaType.IMAGE_PNG);

        double[] flipped = inverted.getBody()
            .get("predictions")
            .get(0)
            .get("probabilities")
            .valueStream()
            .mapToDouble(JsonNode::asDouble)
            .toArray();
        assertThat(Arrays.stream(flipped).boxed().toList()).isNotEqualTo(normal);
    }

    @Test
    void requestsWaitingForTheInterpreterTogetherAreMergedAndEachGetsItsOwnAnswer() throws Exception {
        List<List<Double>> alone = new ArrayList<>();
        for (int seed = 0; seed < 8; seed++) {
            alone.add(probabilities(TestFixtures.png(seed)));
        }
        DistributionSummary calls = registry.get("edge.infer.batch.samples").summary();
        long callsBefore = calls.count();
        double samplesBefore = calls.totalAmount();
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Boolean> holder = engine.submit(TaskKind.CHECKPOINT, model -> {
            held.countDown();
            return release.await(30, TimeUnit.SECONDS);
        });
        assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
        ExecutorService clients = Executors.newFixedThreadPool(16);
        try {
            List<Future<ResponseEntity<JsonNode>>> answers = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                byte[] png = TestFixtures.png(i % 8);
                answers.add(clients.submit(() -> postBytes("/infer", png, MediaType.IMAGE_PNG)));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (engine.state().queueDepth() < 16 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(engine.state().queueDepth()).as("requests waiting").isEqualTo(16);
            release.countDown();
            holder.get(10, TimeUnit.SECONDS);

            for (int i = 0; i < 16; i++) {
                ResponseEntity<JsonNode> response = answers.get(i).get(30, TimeUnit.SECONDS);
                assertThat(response.getStatusCode().value()).isEqualTo(200);
                JsonNode probabilities = response.getBody().get("predictions").get(0).get("probabilities");
                for (int c = 0; c < 10; c++) {
                    assertThat(probabilities.get(c).asDouble()).isCloseTo(alone.get(i % 8).get(c), within(1e-5));
                }
            }
        }
        finally {
            release.countDown();
            clients.shutdown();
        }
        assertThat(calls.count() - callsBefore).as("infer calls").isEqualTo(1);
        assertThat(calls.totalAmount() - samplesBefore).as("samples in them").isEqualTo(16);
    }

}
