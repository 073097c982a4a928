package dev.edgetrainer.server.inference;

import java.util.List;
import java.util.Map;

import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.http.MediaType;
import org.springframework.util.MultiValueMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

class RecentSamplesEndToEndTests extends RunningServer {

    private List<JsonNode> recent() {
        JsonNode body = get("/samples/recent").getBody();
        assertThat(body.get("images").asBoolean()).isTrue();
        return body.get("samples").valueStream().toList();
    }

    @Test
    void trainedImagesCarryTheirLabelAndInferredOnesDoNot() {
        MultiValueMap<String, Object> parts = parts();
        for (int i = 0; i < 3; i++) {
            parts.add("image", file(TestFixtures.png(10 + i), "s" + i + ".png"));
            parts.add("label", String.valueOf(i + 1));
        }
        assertThat(postParts("/train", parts).getStatusCode().value()).isEqualTo(200);
        postBytes("/infer", TestFixtures.png(20), MediaType.IMAGE_PNG);

        List<JsonNode> samples = recent();

        JsonNode inferred = samples.get(0);
        assertThat(inferred.get("source").asString()).isEqualTo("infer");
        assertThat(inferred.has("truth")).isFalse();
        assertThat(inferred.has("correct")).isFalse();
        assertThat(inferred.get("image").asString()).startsWith("data:image/png;base64,");
        for (int i = 0; i < 3; i++) {
            JsonNode trained = samples.get(1 + i);
            assertThat(trained.get("source").asString()).isEqualTo("train");
            assertThat(trained.get("truth").get("index").asInt()).isEqualTo(3 - i);
            assertThat(trained.get("truth").get("label").asString())
                .isEqualTo(List.of("Trouser", "Pullover", "Dress").get(2 - i));
            assertThat(trained.get("correct").asBoolean())
                .isEqualTo(trained.get("predicted").get("index").asInt() == 3 - i);
        }
    }

    @Test
    void theGridIsPredictedWithTheCurrentWeights() {
        byte[] png = TestFixtures.png(31);
        JsonNode then = postBytes("/infer", png, MediaType.IMAGE_PNG).getBody();
        post("/train", Map.of("x", TestFixtures.batch(20), "y", TestFixtures.labels(20), "epochs", 5));

        long inferences = get("/model/status").getBody().get("infer").get("count").asLong();
        JsonNode grid = get("/samples/recent").getBody();
        // The grid's own predictions are not counted as inferences clients asked for.
        assertThat(get("/model/status").getBody().get("infer").get("count").asLong()).isEqualTo(inferences);
        JsonNode now = postBytes("/infer", png, MediaType.IMAGE_PNG).getBody();

        // Newest first: the 20 training samples, then the image sent before training.
        JsonNode kept = grid.get("samples").get(20);
        assertThat(kept.get("source").asString()).isEqualTo("infer");
        JsonNode current = now.get("predictions").get(0).get("top").get(0);
        assertThat(kept.get("predicted").get("index").asInt()).isEqualTo(current.get("index").asInt());
        assertThat(kept.get("predicted").get("probability").asDouble())
            .isCloseTo(current.get("probability").asDouble(), offset(0.01))
            .isNotCloseTo(then.get("predictions").get(0).get("top").get(0).get("probability").asDouble(),
                    offset(0.0001));
        assertThat(grid.get("weights")).isEqualTo(now.get("weights"));
    }

    @Test
    void refusedRequestsAddNothing() {
        postBytes("/infer", TestFixtures.png(40), MediaType.IMAGE_PNG);
        List<JsonNode> before = recent();

        assertProblem(postBytes("/infer", "not a png".getBytes(), MediaType.IMAGE_PNG), 400, "image");
        MultiValueMap<String, Object> parts = parts();
        parts.add("image", file(TestFixtures.png(41), "a.png"));
        parts.add("label", "12");
        assertProblem(postParts("/train", parts), 400, "label[0]");

        assertThat(recent()).isEqualTo(before);
    }

    @Test
    void aLargeUploadLeavesTwentyFiveSpreadOverIt() {
        MultiValueMap<String, Object> parts = parts();
        parts.add("images", file(TestFixtures.idxImages(100), "images.idx"));
        parts.add("labels", file(TestFixtures.idxLabels(100), "labels.idx"));
        assertThat(postParts("/train", parts).getStatusCode().value()).isEqualTo(200);

        List<JsonNode> samples = recent();

        assertThat(samples).hasSize(25);
        // Samples 96, 92, ..., 0 of the upload, whose labels are i % 10.
        for (int k = 0; k < 25; k++) {
            assertThat(samples.get(k).get("truth").get("index").asInt()).isEqualTo((96 - 4 * k) % 10);
        }
    }

}
