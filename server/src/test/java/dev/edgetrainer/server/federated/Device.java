package dev.edgetrainer.server.federated;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;

import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.WeightsFile;
import dev.edgetrainer.server.RunningServer;
import tools.jackson.databind.JsonNode;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A whole device server on a random port with its own checkpoint and sample directories,
 * joining the Flower server on {@code flowerPort}, with a short reconnect backoff.
 */
final class Device implements AutoCloseable {

    final Path dir;

    final ConfigurableApplicationContext context;

    final RestClient http;

    private Device(Path dir, ConfigurableApplicationContext context) {
        this.dir = dir;
        this.context = context;
        this.http = RunningServer.client(RunningServer.port(context), null);
    }

    /** Settings every test device gets, before the test's own. */
    static List<String> settings(Path dir, int flowerPort) {
        return List.of("--edge.data.dir=" + dir.resolve("samples"), "--edge.federated.enabled=true",
                "--edge.federated.server=127.0.0.1:" + flowerPort, "--edge.federated.reconnect.initial=100ms",
                "--edge.federated.reconnect.max=1s", "--edge.train.sync-timeout=60s", "--edge.checkpoint.keep=3",
                "--edge.limits.max-body=32MB");
    }

    /** {@code more} settings replace the defaults of the same keys. */
    static Device start(Path dir, Path model, int flowerPort, String... more) {
        List<String> all = new ArrayList<>(settings(dir, flowerPort));
        all.addAll(List.of(more));
        Map<String, String> args = new LinkedHashMap<>();
        all.forEach(arg -> args.put(arg.substring(0, arg.indexOf('=')), arg));
        return new Device(dir,
                RunningServer.start(model, dir.resolve("checkpoints"), args.values().toArray(String[]::new)));
    }

    ResponseEntity<JsonNode> get(String path) {
        return http.get().uri(path).retrieve().toEntity(JsonNode.class);
    }

    JsonNode federated() {
        return get("/federated").getBody();
    }

    /** Polls {@code GET /federated} until the condition holds. */
    JsonNode awaitFederated(Predicate<JsonNode> condition, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        JsonNode view = federated();
        while (!condition.test(view)) {
            assertThat(Instant.now()).as("waited for the device's federated state; last: %s", view).isBefore(deadline);
            Thread.sleep(50);
            view = federated();
        }
        return view;
    }

    /** Keeps IDX samples: one training request with {@code keep=true}. */
    JsonNode keep(byte[] images, byte[] labels, String query) {
        return keep(http, images, labels, query);
    }

    static JsonNode keep(RestClient http, byte[] images, byte[] labels, String query) {
        MultiValueMap<String, Object> parts = RunningServer.parts();
        parts.add("images", RunningServer.file(images, "images"));
        parts.add("labels", RunningServer.file(labels, "labels"));
        ResponseEntity<JsonNode> trained = http.post()
            .uri("/train?keep=true&" + query)
            .contentType(MediaType.MULTIPART_FORM_DATA)
            .body(parts)
            .retrieve()
            .toEntity(JsonNode.class);
        assertThat(trained.getStatusCode().value()).as(String.valueOf(trained.getBody())).isEqualTo(200);
        return trained.getBody();
    }

    /** Accuracy of the current weights on an uploaded IDX set. */
    double accuracyOn(byte[] images, byte[] labels) {
        MultiValueMap<String, Object> parts = RunningServer.parts();
        parts.add("images", RunningServer.file(images, "images"));
        parts.add("labels", RunningServer.file(labels, "labels"));
        ResponseEntity<JsonNode> result = http.post()
            .uri("/evaluate")
            .contentType(MediaType.MULTIPART_FORM_DATA)
            .body(parts)
            .retrieve()
            .toEntity(JsonNode.class);
        assertThat(result.getStatusCode().value()).as(String.valueOf(result.getBody())).isEqualTo(200);
        return result.getBody().get("accuracy").asDouble();
    }

    /** The predictions the device answers for some JSON samples. */
    JsonNode infer(Object samples) {
        ResponseEntity<JsonNode> answer = http.post()
            .uri("/infer")
            .contentType(MediaType.APPLICATION_JSON)
            .body(Map.of("x", samples))
            .retrieve()
            .toEntity(JsonNode.class);
        assertThat(answer.getStatusCode().value()).as(String.valueOf(answer.getBody())).isEqualTo(200);
        return answer.getBody().get("predictions");
    }

    /** The manifest of the checkpoint the current weights descend from. */
    JsonNode currentCheckpoint() {
        String current = get("/checkpoints").getBody().get("current").asString();
        return get("/checkpoints/" + current).getBody();
    }

    /** The weights of the current checkpoint, by name, sorted. */
    SortedMap<String, Tensor> currentWeights() {
        String id = currentCheckpoint().get("id").asString();
        byte[] file = http.get().uri("/checkpoints/" + id + "/file").retrieve().body(byte[].class);
        return new TreeMap<>(WeightsFile.decode(file));
    }

    /** A metric's value, e.g. {@code edge.federated.bytes} with {@code direction:in}. */
    double metric(String name, String... tags) {
        StringBuilder uri = new StringBuilder("/actuator/metrics/" + name);
        for (int i = 0; i < tags.length; i++) {
            uri.append(i == 0 ? "?" : "&").append("tag=").append(tags[i]);
        }
        JsonNode body = get(uri.toString()).getBody();
        return body.get("measurements").get(0).get("value").asDouble();
    }

    @Override
    public void close() {
        context.close();
    }

    /** The aggregate a Flower server saved for a round, by the device's weight names. */
    static Map<String, Tensor> global(FlowerServer server, int round, List<String> names) {
        Map<String, Tensor> global = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            try {
                global.put(names.get(i), Npy.decode(Files.readAllBytes(server.global(round, i)), "global-" + i));
            }
            catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return global;
    }

}
