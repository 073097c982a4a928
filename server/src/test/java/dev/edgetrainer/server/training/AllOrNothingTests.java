package dev.edgetrainer.server.training;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import dev.edgetrainer.model.graph.MlpSpec;
import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A training request is all or nothing: refused (422) before its first step when its data
 * would wreck the model, or, when a step fails or blows up half way, the weights are put
 * back bit for bit as they were before the request. Against two real servers: the bundled
 * model, whose inputs are pixels in [0, 1] ({@code edge.train.input-range=auto}), and a
 * small model that declares no input range.
 */
class AllOrNothingTests {

    @TempDir
    static Path dir;

    /** The bundled Fashion-MNIST model with default settings. */
    private static ConfigurableApplicationContext bundled;

    /** A small model without a declared input range. */
    private static ConfigurableApplicationContext open;

    /** A learning rate so large that one step blows the weights up. */
    private static final MlpSpec EXPLODING = new MlpSpec(new int[] { 28, 28 }, new int[] { 16 }, 10, 1e30f, 1);

    @BeforeAll
    static void start() {
        bundled = RunningServer.start(null, dir.resolve("bundled"), "--edge.train.sync-timeout=60s");
        open = RunningServer.start(TestFixtures.writeModel(dir.resolve("open"), TestFixtures.SMALL),
                dir.resolve("open-checkpoints"), "--edge.train.sync-timeout=60s");
    }

    @AfterAll
    static void stop() {
        bundled.close();
        open.close();
    }

    private static RestClient http(ConfigurableApplicationContext server) {
        return RunningServer.client(RunningServer.port(server), null);
    }

    @Test
    void aRequestWithOneAbsurdSampleIsRefusedAndTheWeightsStayBitIdentical() {
        RestClient http = http(bundled);
        String before = weightsSha256(http);

        ResponseEntity<JsonNode> answer = post(http, "/train", batchWithSample64(1e37f));

        assertThat(answer.getStatusCode().value()).as("%s", answer.getBody()).isEqualTo(422);
        assertThat(answer.getBody().path("field").asString()).isEqualTo("x[64]");
        assertThat(weightsSha256(http)).isEqualTo(before);
    }

    @Test
    void finiteButAbsurdInputsAndTargetsAreRefusedBeforeTheFirstStep() {
        RestClient http = http(bundled);
        String before = weightsSha256(http);

        for (float value : new float[] { 1e30f, 100f, 1000f }) {
            ResponseEntity<JsonNode> answer = post(http, "/train",
                    Map.of("x", List.of(constantSample(value)), "y", List.of(3)));

            assertThat(answer.getStatusCode().value()).as("x = %s: %s", value, answer.getBody()).isEqualTo(422);
            assertThat(answer.getBody().path("detail").asString()).contains("edge.train.input-range");
        }
        ResponseEntity<JsonNode> targets = post(http, "/train",
                Map.of("x", List.of(TestFixtures.sample(1)), "y", List.of(absurdTargetRow())));
        assertThat(targets.getStatusCode().value()).as("%s", targets.getBody()).isEqualTo(422);
        assertThat(targets.getBody().path("field").asString()).isEqualTo("y[0]");
        assertThat(weightsSha256(http)).isEqualTo(before);
    }

    @Test
    void aJobWhoseThirdStepFailsPutsTheWeightsBackAsTheyWereBeforeIt() {
        RestClient http = http(open);
        String before = weightsSha256(http);

        ResponseEntity<JsonNode> answer = post(http, "/train", batchWithSample64(1e37f));

        assertThat(answer.getStatusCode().value()).as("%s", answer.getBody()).isEqualTo(422);
        assertThat(answer.getBody().path("detail").asString()).contains("step 3 (epoch 1)")
            .contains("the weights were put back as they were before the job");
        assertThat(weightsSha256(http)).isEqualTo(before);
    }

    @Test
    void weightsThatBlowUpFailTheJobEvenWhenEveryLossIsFinite() {
        RestClient http = http(open);
        String before = weightsSha256(http);

        ResponseEntity<JsonNode> answer = post(http, "/train",
                Map.of("x", List.of(constantSample(1e30f)), "y", List.of(3)));

        assertThat(answer.getStatusCode().value()).as("%s", answer.getBody()).isEqualTo(422);
        assertThat(answer.getBody().path("detail").asString()).contains("edge.train.blow-up-factor");
        assertThat(weightsSha256(http)).isEqualTo(before);
    }

    /**
     * Without a declared range, 100 may be what the model takes (raw pixels are 0-255):
     * one step on it keeps the weights within a hundred times their scale and trains. One
     * step on 1000 towards another class (the first step made class 3 certain, so more of
     * it would change nothing) throws them past it, which is a blow-up.
     */
    @Test
    void withoutADeclaredRangeLargeInputsTrainUnlessTheWeightsBlowUp() {
        RestClient http = http(open);
        String before = weightsSha256(http);

        ResponseEntity<JsonNode> hundred = post(http, "/train",
                Map.of("x", List.of(constantSample(100f)), "y", List.of(3)));

        assertThat(hundred.getStatusCode().value()).as("%s", hundred.getBody()).isEqualTo(200);
        String trained = weightsSha256(http);
        assertThat(trained).isNotEqualTo(before);

        ResponseEntity<JsonNode> thousand = post(http, "/train",
                Map.of("x", List.of(constantSample(1000f)), "y", List.of(7)));

        assertThat(thousand.getStatusCode().value()).as("%s", thousand.getBody()).isEqualTo(422);
        assertThat(thousand.getBody().path("detail").asString()).contains("left weights of magnitude");
        assertThat(weightsSha256(http)).isEqualTo(trained);
        post(http, "/checkpoint/reset", null);
    }

    @Test
    void targetRowsThatAreNotProbabilitiesAreRefusedWhateverTheInputRange() {
        RestClient http = http(open);
        String before = weightsSha256(http);

        ResponseEntity<JsonNode> answer = post(http, "/train",
                Map.of("x", List.of(TestFixtures.sample(1)), "y", List.of(absurdTargetRow())));

        assertThat(answer.getStatusCode().value()).as("%s", answer.getBody()).isEqualTo(422);
        assertThat(answer.getBody().path("field").asString()).isEqualTo("y[0]");
        assertThat(weightsSha256(http)).isEqualTo(before);
    }

    @Test
    void aModelWhoseFirstStepExplodesIsLeftAsItWas() {
        Path model = TestFixtures.writeModel(dir.resolve("exploding"), EXPLODING);
        try (ConfigurableApplicationContext exploding = RunningServer.start(model,
                dir.resolve("exploding-checkpoints"))) {
            RestClient http = http(exploding);
            String before = weightsSha256(http);

            ResponseEntity<JsonNode> answer = post(http, "/train",
                    Map.of("x", TestFixtures.batch(4), "y", List.of(1, 2, 3, 4), "batchSize", 4));

            assertThat(answer.getStatusCode().value()).as("%s", answer.getBody()).isEqualTo(422);
            assertThat(weightsSha256(http)).isEqualTo(before);
        }
    }

    @Test
    void aCancelledJobKeepsTheStepsItTookAndSaysSo() throws InterruptedException {
        RestClient http = http(open);
        String before = weightsSha256(http);
        String location = startLongJob(http);

        http.delete().uri(location).retrieve().toBodilessEntity();
        JsonNode job = awaitJob(http, location, j -> j.path("status").asString().equals("CANCELLED"));

        assertThat(job.path("step").asInt()).isPositive();
        assertThat(job.path("error").asString()).contains("the weights keep the " + job.path("step").asInt());
        assertThat(weightsSha256(http)).isNotEqualTo(before);
        post(http, "/checkpoint/reset", null);
    }

    @Test
    void restoreAndResetAreRefusedWhileAJobRunsSoItCanNeverUndoThem() throws InterruptedException {
        RestClient http = http(open);
        JsonNode saved = post(http, "/checkpoint/save", null).getBody();
        String location = startLongJob(http);
        String jobId = location.substring(location.lastIndexOf('/') + 1);

        ResponseEntity<JsonNode> restore = post(http, "/checkpoint/restore", Map.of("id", saved.path("id").asString()));
        ResponseEntity<JsonNode> reset = post(http, "/checkpoint/reset", null);

        assertThat(restore.getStatusCode().value()).as("%s", restore.getBody()).isEqualTo(409);
        assertThat(restore.getBody().path("detail").asString()).contains(jobId).contains("DELETE /train/jobs/" + jobId);
        assertThat(reset.getStatusCode().value()).isEqualTo(409);

        http.delete().uri(location).retrieve().toBodilessEntity();
        awaitJob(http, location, j -> j.path("status").asString().equals("CANCELLED"));
        assertThat(post(http, "/checkpoint/restore", Map.of("id", saved.path("id").asString())).getStatusCode().value())
            .isEqualTo(200);
        assertThat(weightsSha256(http)).isEqualTo(saved.path("sha256").asString());
    }

    @Test
    void aSaveDuringAJobIsStoredButBecomesCurrentOnlyWhenNoJobCanTakeItsWeightsBack() throws InterruptedException {
        RestClient http = http(open);
        String before = post(http, "/checkpoint/save", null).getBody().path("id").asString();
        assertThat(current(http)).isEqualTo(before);
        String location = startLongJob(http);

        ResponseEntity<JsonNode> during = post(http, "/checkpoint/save", null);

        assertThat(during.getStatusCode().value()).as("%s", during.getBody()).isEqualTo(201);
        assertThat(current(http)).as("the job's weights are not final: current is what they descend from")
            .isEqualTo(before);
        http.delete().uri(location).retrieve().toBodilessEntity();
        awaitJob(http, location, j -> j.path("status").asString().equals("CANCELLED"));
        String after = post(http, "/checkpoint/save", null).getBody().path("id").asString();
        assertThat(current(http)).isEqualTo(after);
        post(http, "/checkpoint/reset", null);
    }

    private static String current(RestClient http) {
        return http.get().uri("/checkpoints").retrieve().body(JsonNode.class).path("current").asString(null);
    }

    /** An asynchronous job of many small steps, running (its first step taken). */
    private static String startLongJob(RestClient http) throws InterruptedException {
        ResponseEntity<JsonNode> started = post(http, "/train", Map.of("x", TestFixtures.batch(16), "y",
                TestFixtures.labels(16), "epochs", 1000, "batchSize", 1, "async", true));
        assertThat(started.getStatusCode().value()).as("%s", started.getBody()).isEqualTo(202);
        String location = started.getHeaders().getLocation().toString();
        awaitJob(http, location, j -> j.path("step").asInt() > 0);
        return location;
    }

    /**
     * 65 samples trained in batches of 32 in order: sample 64 is the third step's batch
     * alone.
     */
    private static Map<String, Object> batchWithSample64(float value) {
        List<List<List<Float>>> x = new ArrayList<>(TestFixtures.batch(64));
        x.add(constantSample(value));
        return Map.of("x", x, "y", TestFixtures.labels(65), "batchSize", 32, "shuffle", false);
    }

    private static List<List<Float>> constantSample(float value) {
        return Collections.nCopies(28, Collections.nCopies(28, value));
    }

    private static List<Float> absurdTargetRow() {
        List<Float> row = new ArrayList<>(Collections.nCopies(10, 0f));
        row.set(0, 1e30f);
        row.set(9, -1e30f);
        return row;
    }

    private static JsonNode awaitJob(RestClient http, String location, Predicate<JsonNode> condition)
            throws InterruptedException {
        for (int i = 0; i < 1500; i++) {
            JsonNode job = http.get().uri(location).retrieve().body(JsonNode.class);
            if (condition.test(job)) {
                return job;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("job " + location + " did not get there");
    }

    /** The SHA-256 of the weights now, from a checkpoint saved for the purpose. */
    private static String weightsSha256(RestClient http) {
        ResponseEntity<JsonNode> saved = post(http, "/checkpoint/save", null);
        assertThat(saved.getStatusCode().value()).as("%s", saved.getBody()).isEqualTo(201);
        return saved.getBody().path("sha256").asString();
    }

    private static ResponseEntity<JsonNode> post(RestClient http, String path, Object json) {
        RestClient.RequestBodySpec request = http.post().uri(path);
        if (json != null) {
            request.contentType(MediaType.APPLICATION_JSON).body(json);
        }
        return request.retrieve().toEntity(JsonNode.class);
    }

}
