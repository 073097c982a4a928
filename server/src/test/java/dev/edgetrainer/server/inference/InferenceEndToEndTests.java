package dev.edgetrainer.server.inference;

import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import dev.edgetrainer.model.io.Sha256;
import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.MultiValueMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class InferenceEndToEndTests extends RunningServer {

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

}
