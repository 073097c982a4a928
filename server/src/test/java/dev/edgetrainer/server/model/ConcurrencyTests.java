package dev.edgetrainer.server.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Parallel inferences while a training job runs: every one is answered, between train
 * steps.
 */
class ConcurrencyTests extends RunningServer {

    @Autowired
    ModelEngine engine;

    @Test
    void parallelInferencesDuringTrainingAllSucceed() throws Exception {
        // Long enough (2,500 steps) that the inferences below overlap it on any machine.
        ResponseEntity<JsonNode> job = post("/train?async=true&epochs=250&batchSize=2",
                Map.of("x", TestFixtures.batch(20), "y", TestFixtures.labels(20)));
        assertThat(job.getStatusCode().value()).isEqualTo(202);
        String location = job.getHeaders().getLocation().toString();
        awaitJob(location, j -> j.get("step").asInt() > 0);
        long rejectedBefore = engine.state().rejectedTasks();

        ExecutorService clients = Executors.newFixedThreadPool(8);
        List<Future<Integer>> answers = new ArrayList<>();
        List<Long> stepsSeen = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                int seed = i;
                answers.add(clients.submit(() -> {
                    ResponseEntity<JsonNode> r = postBytes("/infer", TestFixtures.png(seed % 7), MediaType.IMAGE_PNG);
                    synchronized (stepsSeen) {
                        stepsSeen.add(r.getBody().get("weights").get("step").asLong());
                    }
                    return r.getStatusCode().value();
                }));
            }
            for (Future<Integer> answer : answers) {
                assertThat(answer.get()).isEqualTo(200);
            }
        }
        finally {
            clients.shutdown();
        }

        JsonNode finished = awaitJob(location, j -> !List.of("QUEUED", "RUNNING").contains(j.get("status").asString()));
        assertThat(finished.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(finished.get("step").asInt()).isEqualTo(2500);
        // Inferences saw the weights at different steps: they ran between train steps,
        // not after the job.
        assertThat(stepsSeen.stream().distinct().count()).isGreaterThan(1);
        assertThat(engine.state().rejectedTasks()).isEqualTo(rejectedBefore);
    }

}
