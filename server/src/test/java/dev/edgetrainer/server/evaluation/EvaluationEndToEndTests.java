package dev.edgetrainer.server.evaluation;

import java.util.List;
import java.util.Map;

import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.MultiValueMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code POST /evaluate} on the real server: the validation samples or uploaded ones, the
 * current weights or a checkpoint's, which are borrowed without the device's own ever
 * changing.
 */
class EvaluationEndToEndTests extends RunningServer {

    private static final Map<String, Object> SAMPLES = Map.of("x", TestFixtures.batch(30), "y",
            TestFixtures.labels(30));

    @BeforeEach
    void noSamples() {
        delete("/data");
    }

    @Test
    void measuresTheCurrentWeightsOnTheValidationSamplesAndShowsThemAsGauges() {
        assertProblem(post("/evaluate", null), 409, "data");
        MultiValueMap<String, Object> idx = parts();
        idx.add("images", file(TestFixtures.idxImages(300), "images"));
        idx.add("labels", file(TestFixtures.idxLabels(300), "labels"));
        postParts("/train?keep=true", idx);
        int validation = get("/data").getBody().get("validation").asInt();

        JsonNode result = post("/evaluate", null).getBody();
        assertThat(result.get("data").asString()).isEqualTo("validation");
        assertThat(result.get("samples").asInt()).isEqualTo(validation).isPositive();
        assertThat(result.get("weights").get("step").asLong()).isPositive();
        assertThat(post("/evaluate", Map.of()).getBody().get("loss").asDouble())
            .isEqualTo(result.get("loss").asDouble());
        assertThat(gauge("edge.evaluate.accuracy")).isEqualTo(result.get("accuracy").asDouble());
        assertThat(gauge("edge.evaluate.loss")).isEqualTo(result.get("loss").asDouble());
    }

    @Test
    void measuresUploadedSamplesAsTheTrainSignaturesLossDoes() {
        JsonNode result = post("/evaluate", SAMPLES).getBody();
        assertThat(result.get("data").asString()).isEqualTo("upload");
        assertThat(result.get("samples").asInt()).isEqualTo(30);
        // The mean cross-entropy from the logits /infer returns, and the share of
        // samples whose top class is their label.
        JsonNode predictions = postJson("/infer?top=1", Map.of("x", TestFixtures.batch(30))).get("predictions");
        double loss = 0;
        int correct = 0;
        for (int i = 0; i < 30; i++) {
            JsonNode logits = predictions.get(i).get("logits");
            double max = logits.valueStream().mapToDouble(JsonNode::asDouble).max().orElseThrow();
            double sum = logits.valueStream().mapToDouble(l -> Math.exp(l.asDouble() - max)).sum();
            loss -= logits.get(i % 10).asDouble() - max - Math.log(sum);
            correct += predictions.get(i).get("top").get(0).get("index").asInt() == i % 10 ? 1 : 0;
        }
        assertThat(result.get("loss").asDouble()).isCloseTo(loss / 30, within(1e-5));
        assertThat(result.get("accuracy").asDouble()).isEqualTo(correct / 30.0);
    }

    @Test
    void aCheckpointsWeightsAreMeasuredWithoutDisturbingTheDevicesOwn() {
        String saved = post("/checkpoint/save", null).getBody().get("id").asString();
        post("/train", Map.of("x", TestFixtures.batch(20), "y", TestFixtures.labels(20), "epochs", 5));
        List<Double> own = probabilities(TestFixtures.png(3));

        JsonNode ofCheckpoint = post("/evaluate?checkpoint=" + saved, SAMPLES).getBody();
        assertThat(ofCheckpoint.get("weights").get("checkpoint").asString()).isEqualTo(saved);
        assertThat(post("/evaluate",
                Map.of("x", TestFixtures.batch(30), "y", TestFixtures.labels(30), "checkpoint", saved))
            .getBody()
            .get("loss")
            .asDouble()).isEqualTo(ofCheckpoint.get("loss").asDouble());
        assertThat(probabilities(TestFixtures.png(3))).as("the device's weights are its own").isEqualTo(own);
        assertThat(post("/evaluate", SAMPLES).getBody().get("loss").asDouble())
            .isNotEqualTo(ofCheckpoint.get("loss").asDouble());

        post("/checkpoint/restore", Map.of("id", saved));
        assertThat(post("/evaluate", SAMPLES).getBody().get("loss").asDouble()).as("the same weights, the same loss")
            .isEqualTo(ofCheckpoint.get("loss").asDouble());
    }

    @Test
    void badRequestsAreProblemsThatChangeNothing() {
        List<Double> before = probabilities(TestFixtures.png(1));
        assertProblem(post("/evaluate?checkpoint=nothing-here", SAMPLES), 404, "id");
        assertProblem(post("/evaluate?checkpoint=../x", SAMPLES), 400, "id");
        assertProblem(post("/evaluate", Map.of("x", TestFixtures.batch(2), "y", List.of(3, 11))), 400, "y[1]");
        assertProblem(postBytes("/evaluate", "hello".getBytes(), MediaType.TEXT_PLAIN), 415, "Content-Type");
        MultiValueMap<String, Object> imagesOnly = parts();
        imagesOnly.add("images", file(TestFixtures.idxImages(2), "images"));
        assertProblem(postParts("/evaluate", imagesOnly), 400, "labels");
        assertThat(probabilities(TestFixtures.png(1))).isEqualTo(before);
    }

    private JsonNode postJson(String path, Object body) {
        ResponseEntity<JsonNode> response = post(path, body);
        assertThat(response.getStatusCode().value()).as(String.valueOf(response.getBody())).isEqualTo(200);
        return response.getBody();
    }

    private double gauge(String name) {
        return get("/actuator/metrics/" + name).getBody().get("measurements").get(0).get("value").asDouble();
    }

}
