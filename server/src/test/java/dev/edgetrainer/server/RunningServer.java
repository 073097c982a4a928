package dev.edgetrainer.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import org.junit.jupiter.api.BeforeEach;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real server on a random port with the real runtime, hosting
 * {@link TestFixtures#SMALL} and a temp checkpoint directory. Subclasses share one
 * context; each test starts from the original weights and no checkpoints.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class RunningServer {

    protected static final Path ROOT = tempDir();

    protected static final Path MODEL = TestFixtures.writeModel(ROOT, TestFixtures.SMALL);

    protected static final Path CHECKPOINTS = ROOT.resolve("checkpoints");

    @LocalServerPort
    int port;

    protected RestClient http;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("edge.model.path", MODEL::toString);
        registry.add("edge.checkpoint.dir", CHECKPOINTS::toString);
        registry.add("edge.data.dir", () -> ROOT.resolve("samples").toString());
        registry.add("edge.checkpoint.keep", () -> "3");
        registry.add("edge.train.sync-timeout", () -> "20s");
        registry.add("edge.limits.max-body", () -> "2MB");
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("edge-e2e");
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @BeforeEach
    void cleanSlate() {
        http = client(port, null);
        // Reset first: the checkpoint the weights descend from cannot be deleted.
        assertThat(post("/checkpoint/reset", null).getStatusCode().value()).isEqualTo(200);
        JsonNode list = get("/checkpoints").getBody();
        for (String kind : List.of("checkpoints", "corrupt")) {
            for (JsonNode checkpoint : list.path(kind)) {
                delete("/checkpoints/" + checkpoint.get("id").asString());
            }
        }
    }

    /**
     * Starts a whole server outside the test context, e.g. to stop and start it again on
     * the same files. Synchronized: Spring Boot initialises the JVM's one logging system
     * per application start, and two starts at once can fail with "Unable to find Spring
     * Environment in logger context" (seen with the fleet tests' devices started in
     * parallel).
     * @param model null for the bundled model
     */
    public static synchronized ConfigurableApplicationContext start(Path model, Path checkpoints, String... more) {
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--edge.checkpoint.dir=" + checkpoints));
        if (model != null) {
            args.add("--edge.model.path=" + model);
        }
        if (Arrays.stream(more).noneMatch(arg -> arg.startsWith("--edge.data.dir="))) {
            // Never the default ./data/samples of the working directory.
            args.add("--edge.data.dir=" + checkpoints.resolveSibling(checkpoints.getFileName() + "-samples"));
        }
        args.addAll(List.of(more));
        return new SpringApplicationBuilder(EdgeTrainerApplication.class).run(args.toArray(String[]::new));
    }

    public static int port(ConfigurableApplicationContext context) {
        return context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
    }

    /** A client that hands back every status instead of throwing. */
    public static RestClient client(int port, String token) {
        RestClient.Builder builder = RestClient.builder()
            .baseUrl("http://localhost:" + port)
            .defaultStatusHandler(status -> true, (request, response) -> {
            });
        if (token != null) {
            builder.defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + token);
        }
        return builder.build();
    }

    /** A POST with an optional JSON body to a server started by {@link #start}. */
    public static ResponseEntity<JsonNode> post(RestClient http, String path, Object json) {
        RestClient.RequestBodySpec request = http.post().uri(path);
        if (json != null) {
            request.contentType(MediaType.APPLICATION_JSON).body(json);
        }
        return request.retrieve().toEntity(JsonNode.class);
    }

    /** POSTs multipart parts to a server started by {@link #start}. */
    public static ResponseEntity<JsonNode> postParts(RestClient http, String path,
            MultiValueMap<String, Object> parts) {
        return http.post()
            .uri(path)
            .contentType(MediaType.MULTIPART_FORM_DATA)
            .body(parts)
            .retrieve()
            .toEntity(JsonNode.class);
    }

    /** {@code PUT /checkpoints/{id}/file} to a server started by {@link #start}. */
    public static ResponseEntity<JsonNode> upload(RestClient http, String id, byte[] file) {
        return http.put()
            .uri("/checkpoints/" + id + "/file")
            .contentType(MediaType.APPLICATION_OCTET_STREAM)
            .body(file)
            .retrieve()
            .toEntity(JsonNode.class);
    }

    /**
     * The probabilities a server started by {@link #start} gives for one JSON sample now.
     */
    public static JsonNode probabilities(RestClient http) {
        return post(http, "/infer", Map.of("x", List.of(TestFixtures.sample(1)))).getBody()
            .get("predictions")
            .get(0)
            .get("probabilities");
    }

    /** The details of the {@code model} health component. */
    public static JsonNode modelHealth(RestClient http) {
        return http.get()
            .uri("/actuator/health")
            .retrieve()
            .body(JsonNode.class)
            .get("components")
            .get("model")
            .get("details");
    }

    /**
     * Sent verbatim: a String path would be treated as a template and its %2F encoded
     * again.
     */
    protected URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    protected ResponseEntity<JsonNode> get(String path) {
        return http.get().uri(uri(path)).retrieve().toEntity(JsonNode.class);
    }

    protected ResponseEntity<JsonNode> delete(String path) {
        return http.delete().uri(uri(path)).retrieve().toEntity(JsonNode.class);
    }

    protected ResponseEntity<JsonNode> post(String path, Object json) {
        RestClient.RequestBodySpec request = http.post().uri(uri(path));
        if (json != null) {
            request.contentType(MediaType.APPLICATION_JSON).body(json);
        }
        return request.retrieve().toEntity(JsonNode.class);
    }

    protected ResponseEntity<JsonNode> postBytes(String path, byte[] body, MediaType type) {
        return http.post().uri(uri(path)).contentType(type).body(body).retrieve().toEntity(JsonNode.class);
    }

    protected ResponseEntity<JsonNode> postParts(String path, MultiValueMap<String, Object> parts) {
        return http.post()
            .uri(uri(path))
            .contentType(MediaType.MULTIPART_FORM_DATA)
            .body(parts)
            .retrieve()
            .toEntity(JsonNode.class);
    }

    public static HttpEntity<ByteArrayResource> file(byte[] data, String name) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_OCTET_STREAM);
        return new HttpEntity<>(new ByteArrayResource(data) {
            @Override
            public String getFilename() {
                return name;
            }
        }, headers);
    }

    public static MultiValueMap<String, Object> parts() {
        return new LinkedMultiValueMap<>();
    }

    /** One train step on two samples chosen by {@code seed}. */
    protected void trainTwoSamples(int seed) {
        assertThat(post("/train", Map.of("x", List.of(TestFixtures.sample(seed), TestFixtures.sample(seed + 1)), "y",
                List.of(seed % 10, (seed + 1) % 10)))
            .getStatusCode()
            .value()).isEqualTo(200);
    }

    /** {@code POST /checkpoint/save}, which must answer 201; returns the manifest. */
    protected JsonNode saveCheckpoint() {
        ResponseEntity<JsonNode> saved = post("/checkpoint/save", null);
        assertThat(saved.getStatusCode().value()).as(String.valueOf(saved.getBody())).isEqualTo(201);
        return saved.getBody();
    }

    /** The probabilities the server gives for one PNG now. */
    protected List<Double> probabilities(byte[] png) {
        ResponseEntity<JsonNode> response = postBytes("/infer", png, MediaType.IMAGE_PNG);
        assertThat(response.getStatusCode().value()).isEqualTo(200);
        return response.getBody()
            .get("predictions")
            .get(0)
            .get("probabilities")
            .valueStream()
            .map(JsonNode::asDouble)
            .toList();
    }

    /** Polls a training job until the condition holds (30 s at most). */
    protected JsonNode awaitJob(String location, Predicate<JsonNode> condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (Instant.now().isBefore(deadline)) {
            JsonNode job = get(location).getBody();
            if (condition.test(job)) {
                return job;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("job " + location + " did not reach the condition: " + get(location).getBody());
    }

    /** Asserts an RFC 9457 problem with this status and blamed field. */
    protected static void assertProblem(ResponseEntity<JsonNode> response, int status, String field) {
        assertThat(response.getStatusCode().value()).as(String.valueOf(response.getBody())).isEqualTo(status);
        assertThat(response.getHeaders().getContentType()).isNotNull();
        assertThat(response.getHeaders().getContentType().toString()).startsWith("application/problem+json");
        assertThat(response.getBody().get("status").asInt()).isEqualTo(status);
        assertThat(response.getBody().get("detail").asString()).isNotBlank();
        if (field != null) {
            assertThat(response.getBody().get("field").asString()).isEqualTo(field);
        }
    }

}
