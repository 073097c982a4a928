package dev.edgetrainer.server.training;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.http.ResponseEntity;
import org.springframework.util.MultiValueMap;

import static org.assertj.core.api.Assertions.assertThat;

class TrainingEndToEndTests extends RunningServer {

    @Test
    void jsonBatchTrainsAndReportsLossPerEpoch() {
        List<Double> before = probabilities(TestFixtures.png(1));

        ResponseEntity<JsonNode> response = post("/train?epochs=3",
                Map.of("x", TestFixtures.batch(20), "y", TestFixtures.labels(20), "batchSize", 8));

        assertThat(response.getStatusCode().value()).isEqualTo(200);
        JsonNode job = response.getBody();
        assertThat(job.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(job.get("epochLosses")).hasSize(3);
        assertThat(job.get("steps").asInt()).isEqualTo(9);
        assertThat(job.get("samples").asInt()).isEqualTo(20);
        assertThat(job.get("loss").asDouble()).isPositive();
        assertThat(job.get("durationMs").asLong()).isNotNegative();
        assertThat(job.get("weights").get("step").asInt()).isEqualTo(9);
        assertThat(probabilities(TestFixtures.png(1))).isNotEqualTo(before);
    }

    @Test
    void oneHotTargetsAndClassIndicesTrainAlike() {
        float[][] oneHot = new float[4][10];
        for (int i = 0; i < 4; i++) {
            oneHot[i][i] = 1;
        }
        Map<String, Object> body = Map.of("x", TestFixtures.batch(4), "y", oneHot, "shuffle", false);
        double oneHotLoss = post("/train", body).getBody().get("loss").asDouble();
        post("/checkpoint/reset", null);
        double indexLoss = post("/train",
                Map.of("x", TestFixtures.batch(4), "y", List.of(0, 1, 2, 3), "shuffle", false))
            .getBody()
            .get("loss")
            .asDouble();

        assertThat(indexLoss).isEqualTo(oneHotLoss);
    }

    @Test
    void idxFilesTrainGzippedOrNot() throws Exception {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(TestFixtures.idxImages(50));
        }
        MultiValueMap<String, Object> parts = parts();
        parts.add("images", file(gz.toByteArray(), "images.gz"));
        parts.add("labels", file(TestFixtures.idxLabels(50), "labels"));

        ResponseEntity<JsonNode> response = postParts("/train?batchSize=25&epochs=2", parts);

        assertThat(response.getStatusCode().value()).isEqualTo(200);
        assertThat(response.getBody().get("steps").asInt()).isEqualTo(4);
        assertThat(response.getBody().get("samples").asInt()).isEqualTo(50);
    }

    @Test
    void imagePartsTrainWithLabelsByIndexOrName() {
        MultiValueMap<String, Object> parts = parts();
        parts.add("image", file(TestFixtures.png(1), "a.png"));
        parts.add("image", file(TestFixtures.png(2), "b.png"));
        parts.add("label", "9");
        parts.add("label", "ankle boot");

        ResponseEntity<JsonNode> response = postParts("/train", parts);

        assertThat(response.getStatusCode().value()).isEqualTo(200);
        assertThat(response.getBody().get("samples").asInt()).isEqualTo(2);
    }

    @Test
    void badTrainingInputChangesNothing() {
        List<Double> before = probabilities(TestFixtures.png(1));
        int jobs = get("/train/jobs").getBody().size();
        MultiValueMap<String, Object> unlabelled = parts();
        unlabelled.add("image", file(TestFixtures.png(1), "a.png"));
        MultiValueMap<String, Object> imagesOnly = parts();
        imagesOnly.add("images", file(TestFixtures.idxImages(2), "images"));
        MultiValueMap<String, Object> noSamples = parts();
        noSamples.add("other", file(TestFixtures.idxImages(2), "other"));
        MultiValueMap<String, Object> badIdx = parts();
        badIdx.add("images", file(TestFixtures.idxLabels(5), "images"));
        badIdx.add("labels", file(TestFixtures.idxLabels(5), "labels"));
        MultiValueMap<String, Object> badLabel = parts();
        badLabel.add("images", file(TestFixtures.idxImages(2), "images"));
        badLabel.add("labels", file(TestFixtures.idx(0x801, new int[] { 2 }, new byte[] { 1, 10 }), "labels"));

        assertProblem(post("/train", Map.of("x", TestFixtures.batch(2), "y", List.of(1, 10))), 400, "y[1]");
        assertProblem(post("/train", Map.of("x", TestFixtures.batch(2), "y", List.of(-1, 0))), 400, "y[0]");
        assertProblem(post("/train", Map.of("x", TestFixtures.batch(2), "y", List.of(1.5, 0))), 400, "y[0]");
        assertProblem(post("/train", Map.of("x", TestFixtures.batch(3), "y", List.of(1, 2))), 400, "y");
        assertProblem(post("/train", Map.of("x", List.of(), "y", List.of(1))), 400, "x");
        assertProblem(post("/train", Map.of("x", TestFixtures.batch(1))), 400, "y");
        assertProblem(post("/train", Map.of("x", new float[2][28][27], "y", List.of(1, 2))), 400, "x");
        assertProblem(post("/train?epochs=0", Map.of("x", TestFixtures.batch(1), "y", List.of(1))), 400, "epochs");
        assertProblem(post("/train?epochs=abc", Map.of("x", TestFixtures.batch(1), "y", List.of(1))), 400, "epochs");
        assertProblem(postParts("/train", unlabelled), 400, "label");
        assertProblem(postParts("/train", imagesOnly), 400, "labels");
        assertProblem(postParts("/train", noSamples), 400, "image");
        assertProblem(postParts("/train", badIdx), 400, "images");
        assertProblem(postParts("/train", badLabel), 400, "labels[1]");

        assertThat(probabilities(TestFixtures.png(1))).isEqualTo(before);
        assertThat(get("/checkpoints").getBody().get("checkpoints")).isEmpty();
        assertThat(get("/train/jobs").getBody()).hasSize(jobs);
    }

    @Test
    void aStepWithNonFiniteLossIsUndone() {
        List<Double> before = probabilities(TestFixtures.png(1));
        float[][][] huge = new float[2][28][28];
        for (float[][] sample : huge) {
            for (float[] row : sample) {
                Arrays.fill(row, 3e38f);
            }
        }

        ResponseEntity<JsonNode> response = post("/train", Map.of("x", huge, "y", List.of(1, 2)));

        assertProblem(response, 422, null);
        assertThat(response.getBody().get("detail").asString()).contains("put back");
        assertThat(probabilities(TestFixtures.png(1))).isEqualTo(before);
    }

    @Test
    void longJobsRunAsyncAndCanBeCancelledBetweenSteps() throws Exception {
        ResponseEntity<JsonNode> started = post("/train?async=true&epochs=1000&batchSize=1",
                Map.of("x", TestFixtures.batch(10), "y", TestFixtures.labels(10)));

        assertThat(started.getStatusCode().value()).isEqualTo(202);
        String location = started.getHeaders().getLocation().toString();
        assertThat(location).startsWith("/train/jobs/");
        assertProblem(post("/train", Map.of("x", TestFixtures.batch(1), "y", List.of(1))), 409, null);
        JsonNode progress = awaitJob(location, job -> job.get("step").asInt() > 0);
        assertThat(progress.get("status").asString()).isEqualTo("RUNNING");
        assertThat(progress.get("loss").isNumber()).isTrue();

        assertThat(delete(location).getStatusCode().value()).isIn(200, 202);
        JsonNode cancelled = awaitJob(location, job -> !job.get("status").asString().equals("RUNNING"));

        assertThat(cancelled.get("status").asString()).isEqualTo("CANCELLED");
        assertThat(cancelled.get("step").asInt()).isLessThan(10_000);
        assertProblem(get("/train/jobs/no-such-job"), 404, "id");
    }

}
