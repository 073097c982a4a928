package dev.edgetrainer.server.federated;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.edgetrainer.model.data.Dataset;
import dev.edgetrainer.model.graph.MlpModelWriter;
import dev.edgetrainer.model.graph.MlpSpec;
import dev.edgetrainer.model.runtime.TrainableModel;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.http.MediaType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proof of fleet learning: the real Flower server (FedAvg) and three device servers,
 * each with its own samples, checkpoints and HTTP port, each seeing only five of the ten
 * Fashion-MNIST classes. After five rounds the server's own check passes, every device
 * holds the final aggregate bit for bit and answers {@code /infer} identically, and the
 * fleet's model is clearly more accurate on the full test set than any device trained
 * alone on its own samples for as many epochs.
 */
class FleetLearningTests {

    private static final int ROUNDS = 5;

    private static final int EPOCHS = 1;

    private static final int BATCH = 32;

    private static final int PER_CLASS = 400;

    /** Overlapping, each device sees half of the classes. */
    private static final int[][] CLASSES = { { 0, 1, 2, 3, 4 }, { 3, 4, 5, 6, 7 }, { 6, 7, 8, 9, 0 } };

    private static final MlpSpec SPEC = new MlpSpec(new int[] { 28, 28 }, new int[] { 64 }, 10, 0.05f, 7);

    @TempDir
    Path dir;

    @Test
    void threeDevicesOnNonIidSplitsLearnTogetherBetterThanAlone() throws Exception {
        FlowerServer.assumeAvailable();
        FleetData.assumeAvailable();
        Path model = dir.resolve("model.tflite");
        Files.write(model, MlpModelWriter.write(SPEC));
        FleetData.Idx test = FleetData.all(FleetData.test());
        List<FleetData.Idx> splits = new ArrayList<>();
        for (int[] classes : CLASSES) {
            splits.add(FleetData.split(FleetData.train(), PER_CLASS, classes));
        }

        int port = FlowerServer.freePort();
        ExecutorService starter = Executors.newFixedThreadPool(CLASSES.length);
        List<Device> devices = new ArrayList<>();
        try (FlowerServer server = FlowerServer.start(port, dir.resolve("flower"), "--rounds", "" + ROUNDS,
                "--min-clients", "" + CLASSES.length, "--evaluate", "--config",
                "{\"epochs\": " + EPOCHS + ", \"batch_size\": " + BATCH + "}")) {
            List<Future<Device>> starting = new ArrayList<>();
            for (int d = 0; d < CLASSES.length; d++) {
                Path home = dir.resolve("device-" + d);
                // Joins only once its samples are kept.
                starting.add(starter.submit(() -> Device.start(home, model, port, "--edge.federated.enabled=false")));
            }
            for (int d = 0; d < CLASSES.length; d++) {
                Device device = starting.get(d).get();
                devices.add(device);
                device.keep(splits.get(d).images(), splits.get(d).labels(), "epochs=1&batchSize=" + BATCH);
                assertThat(device.get("/data").getBody().get("samples").asInt()).isEqualTo(splits.get(d).count());
            }
            for (Device device : devices) {
                assertThat(device.http.post()
                    .uri("/federated/connect")
                    .retrieve()
                    .toEntity(JsonNode.class)
                    .getStatusCode()
                    .value()).isEqualTo(200);
            }

            AtomicBoolean rounds = new AtomicBoolean(true);
            AtomicInteger answered = new AtomicInteger();
            List<Integer> refused = new ArrayList<>();
            Future<?> load = starter.submit(() -> {
                while (rounds.get()) {
                    int status = devices.get(0).http.post()
                        .uri("/infer")
                        .contentType(MediaType.APPLICATION_JSON)
                        .body(Map.of("x", TestFixtures.sample(answered.get())))
                        .retrieve()
                        .toBodilessEntity()
                        .getStatusCode()
                        .value();
                    if (status == 200) {
                        answered.incrementAndGet();
                    }
                    else {
                        refused.add(status);
                    }
                }
            });
            int exit = server.awaitExit(Duration.ofMinutes(3));
            rounds.set(false);
            load.get();
            assertThat(exit).as("the Flower server's own check; its log:%n%s", server.output()).isZero();
            assertThat(refused).as("/infer answered throughout the rounds").isEmpty();
            assertThat(answered.get()).isPositive();

            List<String> names = new ArrayList<>(devices.get(0).currentWeights().keySet());
            Map<String, Tensor> last = Device.global(server, ROUNDS, names);
            JsonNode reference = null;
            for (Device device : devices) {
                JsonNode adoption = device.awaitFederated(v -> v.path("lastAdoption").path("round").asInt() == ROUNDS,
                        Duration.ofSeconds(30));
                assertThat(adoption.get("rounds").asInt()).isEqualTo(ROUNDS);
                JsonNode checkpoint = device.currentCheckpoint();
                assertThat(checkpoint.get("origin").asString()).isEqualTo("federated");
                assertThat(checkpoint.get("round").asInt()).isEqualTo(ROUNDS);
                device.currentWeights()
                    .forEach((name, tensor) -> assertThat(tensor.floats()).as("%s is the final aggregate", name)
                        .isEqualTo(last.get(name).floats()));
                JsonNode answers = device.infer(TestFixtures.batch(16));
                if (reference == null) {
                    reference = answers;
                }
                assertThat(answers).as("identical /infer answers").isEqualTo(reference);
            }
            JsonNode jobs = devices.get(0).get("/train/jobs").getBody();
            assertThat(jobs.valueStream().filter(j -> j.get("origin").asString().equals("federated")).count())
                .as("each round's local training is a job like any other")
                .isEqualTo(ROUNDS);

            double fleet = devices.get(0).accuracyOn(test.images(), test.labels());
            double[] alone = new double[CLASSES.length];
            for (int d = 0; d < CLASSES.length; d++) {
                alone[d] = trainedAlone(Files.readAllBytes(model), splits.get(d), 1 + ROUNDS * EPOCHS);
            }
            // The server's own measure of its rounds, without the wait for the devices.
            double seconds = Double
                .parseDouble(server.output().replaceAll("(?s).*Run finished \\d+ round\\(s\\) in ([0-9.]+)s.*", "$1"));
            long bytes = Math.round(devices.get(0).metric("edge.federated.bytes", "direction:in")
                    + devices.get(0).metric("edge.federated.bytes", "direction:out"));
            System.out.printf(
                    "FLEET: %d devices, %d rounds of %d epoch(s) in %.1f s (%.1f s per round), "
                            + "%d bytes per round per device (in + out); accuracy on t10k: fleet %.4f, alone %s; "
                            + "/infer answered %d times during the rounds%n",
                    CLASSES.length, ROUNDS, EPOCHS, seconds, seconds / ROUNDS, bytes / ROUNDS, fleet,
                    Arrays.toString(alone), answered.get());
            assertThat(fleet).as("the fleet's model against each device alone %s", Arrays.toString(alone))
                .isGreaterThan(Arrays.stream(alone).max().orElseThrow() + 0.1);
        }
        finally {
            devices.forEach(Device::close);
            starter.shutdownNow();
        }
    }

    /**
     * Accuracy on the full test set of the same model trained on one device's samples
     * only, for as many epochs as the device trained in the fleet (the upload's epoch,
     * then one per round); in-process, with the same batch size and learning rate.
     */
    private static double trainedAlone(byte[] modelBytes, FleetData.Idx split, int epochs) throws Exception {
        Dataset samples = split.data();
        Dataset test = FleetData.test();
        try (TrainableModel model = TrainableModel.load(modelBytes, "alone")) {
            Random random = new Random(5);
            int[] order = new int[samples.size()];
            Arrays.setAll(order, i -> i);
            for (int epoch = 0; epoch < epochs; epoch++) {
                shuffle(order, random);
                for (int from = 0; from < order.length; from += BATCH) {
                    int n = Math.min(BATCH, order.length - from);
                    float[] x = new float[n * 784];
                    float[] y = new float[n * 10];
                    for (int i = 0; i < n; i++) {
                        int s = order[from + i];
                        System.arraycopy(samples.images().toFloats(s, s + 1), 0, x, i * 784, 784);
                        y[i * 10 + samples.labels()[s]] = 1f;
                    }
                    model.run("train", Map.of("x", Tensor.ofFloats(new int[] { n, 28, 28 }, x), "y",
                            Tensor.ofFloats(new int[] { n, 10 }, y)));
                }
            }
            int correct = 0;
            for (int from = 0; from < test.size(); from += 500) {
                int n = Math.min(500, test.size() - from);
                float[] p = model
                    .run("infer",
                            Map.of("x",
                                    Tensor.ofFloats(new int[] { n, 28, 28 }, test.images().toFloats(from, from + n))))
                    .get("output")
                    .floats();
                for (int i = 0; i < n; i++) {
                    int best = 0;
                    for (int c = 1; c < 10; c++) {
                        best = p[i * 10 + c] > p[i * 10 + best] ? c : best;
                    }
                    correct += best == test.labels()[from + i] ? 1 : 0;
                }
            }
            return (double) correct / test.size();
        }
    }

    private static void shuffle(int[] order, Random random) {
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }

}
