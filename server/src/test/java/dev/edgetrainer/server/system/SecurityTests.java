package dev.edgetrainer.server.system;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.actuate.endpoint.web.PathMappedEndpoints;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.client.RestClient;
import org.springframework.web.servlet.handler.AbstractUrlHandlerMapping;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.RequestMappingInfoHandlerMapping;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole server with a token: deny by default, the allow-list, and what a caller
 * without the token can learn.
 */
class SecurityTests {

    private static final String TOKEN = "a-long-enough-fleet-token";

    private static final String WRONG = "not-the-token-at-all";

    private static final HttpClient JDK = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /**
     * What anyone may call, written out here independently of {@link PublicRequests}:
     * "METHOD /path" regular expressions.
     */
    private static final List<Pattern> PUBLIC = List
        .of("(GET|HEAD) /actuator/health(/.*)?", "(GET|HEAD) /actuator/(info|prometheus)",
                "(GET|HEAD) /v3/api-docs(\\.yaml|/.*)?", "(GET|HEAD) /swagger-ui(\\.html|/.*)",
                "(GET|HEAD) /(index\\.html)?", "(GET|HEAD) /(webjars|dashboard)/.*", "[A-Z]+ /infer")
        .stream()
        .map(Pattern::compile)
        .toList();

    private static ConfigurableApplicationContext server;

    private static RestClient anonymous;

    private static RestClient wrong;

    private static RestClient authorized;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        server = RunningServer.start(model, dir.resolve("ckpt"), "--edge.security.token=" + TOKEN);
        anonymous = RunningServer.client(RunningServer.port(server), null);
        wrong = RunningServer.client(RunningServer.port(server), WRONG);
        authorized = RunningServer.client(RunningServer.port(server), TOKEN);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static int status(RestClient.RequestHeadersSpec<?> request) {
        return request.retrieve().toBodilessEntity().getStatusCode().value();
    }

    /**
     * The answer with its body, but only the status and headers of an event stream, which
     * would not end for minutes (a client that drains a response before closing it would
     * wait that long).
     * @param token null for none
     */
    private static ResponseEntity<String> send(String token, HttpMethod method, String path) throws Exception {
        HttpRequest.Builder request = HttpRequest
            .newBuilder(URI.create("http://localhost:" + RunningServer.port(server) + path))
            .method(method.name(), HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header(HttpHeaders.AUTHORIZATION, "Bearer " + token);
        }
        HttpResponse<InputStream> response = JDK.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        HttpHeaders headers = new HttpHeaders();
        response.headers().map().forEach(headers::addAll);
        try (InputStream body = response.body()) {
            boolean stream = MediaType.TEXT_EVENT_STREAM.isCompatibleWith(headers.getContentType());
            return ResponseEntity.status(response.statusCode())
                .headers(headers)
                .body(stream ? null : new String(body.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static void assertRefused(ResponseEntity<?> response, String what) {
        assertThat(response.getStatusCode().value()).as(what).isEqualTo(401);
        assertThat(response.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).as(what).isEqualTo("Bearer");
        assertThat(String.valueOf(response.getHeaders().getContentType())).as(what)
            .startsWith("application/problem+json");
    }

    @Test
    void theTokenGuardsTrainingAndCheckpointsButNotInferenceOrHealth() {
        Map<String, Object> batch = Map.of("x", TestFixtures.batch(2), "y", List.of(1, 2));

        ResponseEntity<JsonNode> refused = anonymous.post()
            .uri("/train")
            .contentType(MediaType.APPLICATION_JSON)
            .body(batch)
            .retrieve()
            .toEntity(JsonNode.class);

        assertRefused(refused, "POST /train");
        assertThat(refused.getBody().get("field").asString()).isEqualTo("Authorization");
        assertThat(refused.getBody().get("detail").asString()).contains("Authorization: Bearer");
        for (RestClient client : List.of(anonymous, wrong)) {
            assertThat(status(client.post().uri("/checkpoint/save"))).isEqualTo(401);
            assertThat(status(client.get().uri("/checkpoints"))).isEqualTo(401);
            assertThat(status(client.get().uri("/train/jobs"))).isEqualTo(401);
            assertThat(status(client.delete().uri("/checkpoints/x"))).isEqualTo(401);
            assertThat(status(client.get().uri("/actuator/metrics"))).isEqualTo(401);
        }
        assertThat(status(wrong.post().uri("/train").contentType(MediaType.APPLICATION_JSON).body(batch)))
            .isEqualTo(401);
        assertThat(status(authorized.post().uri("/train").contentType(MediaType.APPLICATION_JSON).body(batch)))
            .isEqualTo(200);
        assertThat(status(authorized.post().uri("/checkpoint/save"))).isEqualTo(201);
        assertThat(status(authorized.get().uri("/actuator/metrics"))).isEqualTo(200);
        assertThat(status(anonymous.post().uri("/infer").contentType(MediaType.IMAGE_PNG).body(TestFixtures.png(1))))
            .isEqualTo(200);
        assertThat(status(anonymous.get().uri("/actuator/health"))).isEqualTo(200);
    }

    /**
     * Every handler of every handler mapping (controllers, Actuator, springdoc, the error
     * controller) and every static resource location, with each mapped method and one it
     * does not map.
     */
    @Test
    void everyRequestTheServerMapsNeedsTheTokenUnlessTheAllowListOpensIt() throws Exception {
        Set<String> requests = mappedRequests();
        assertThat(requests).as("the enumeration reaches Actuator, springdoc, the error page and static files")
            .contains("GET /actuator/metrics/x", "GET /actuator/health/x", "GET /v3/api-docs", "GET /error",
                    "GET /swagger-ui/x", "GET /x", "POST /train", "PUT /checkpoints/x/file");
        for (String path : server.getBean(PathMappedEndpoints.class).getAllPaths()) {
            assertThat(requests).as("exposed endpoint " + path).anyMatch(r -> r.startsWith("GET " + path));
        }
        List<String> opened = new ArrayList<>();
        for (String request : requests) {
            HttpMethod method = HttpMethod.valueOf(request.substring(0, request.indexOf(' ')));
            String path = request.substring(request.indexOf(' ') + 1);
            ResponseEntity<String> withoutToken = send(null, method, path);
            if (PUBLIC.stream().anyMatch(p -> p.matcher(request).matches())) {
                assertThat(withoutToken.getStatusCode().value()).as(request + " is public").isNotEqualTo(401);
                opened.add(request);
            }
            else {
                assertRefused(withoutToken, request + " without the token");
                assertRefused(send(WRONG, method, path), request + " with a wrong token");
            }
            assertThat(send(TOKEN, method, path).getStatusCode().value()).as(request + " with the token")
                .isNotEqualTo(401);
        }
        assertThat(opened).as("the allow-list opens what it promises")
            .contains("GET /actuator/health", "GET /actuator/health/x", "GET /actuator/info",
                    "GET /actuator/prometheus", "GET /v3/api-docs", "GET /swagger-ui.html", "GET /swagger-ui/x",
                    "POST /infer", "GET /", "GET /index.html", "GET /webjars/x", "GET /dashboard/x");
    }

    /** "METHOD /concrete/path" for each mapping, placeholders and wildcards as "x". */
    private static Set<String> mappedRequests() {
        Set<String> requests = new LinkedHashSet<>();
        for (RequestMappingInfoHandlerMapping mapping : server.getBeansOfType(RequestMappingInfoHandlerMapping.class)
            .values()) {
            for (RequestMappingInfo info : mapping.getHandlerMethods().keySet()) {
                Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
                for (String pattern : info.getPatternValues()) {
                    String path = concrete(pattern);
                    if (methods.isEmpty()) {
                        requests.add("GET " + path);
                        requests.add("POST " + path);
                    }
                    methods.forEach(method -> requests.add(method.name() + " " + path));
                    // A method the path does not map: 401 before 405.
                    requests.add("PATCH " + path);
                }
            }
        }
        for (AbstractUrlHandlerMapping mapping : server.getBeansOfType(AbstractUrlHandlerMapping.class).values()) {
            mapping.getHandlerMap().keySet().forEach(pattern -> requests.add("GET " + concrete(pattern)));
        }
        // The static locations behind "/**": the dashboard's files are public, others
        // not.
        requests.addAll(List.of("GET /", "GET /index.html", "GET /webjars/x", "GET /dashboard/x", "GET /favicon.ico",
                "HEAD /actuator/health", "POST /actuator/health", "OPTIONS /actuator/info"));
        return requests;
    }

    private static String concrete(String pattern) {
        return pattern.replaceAll("\\{[^}]*}", "x").replace("**", "x").replace("*", "x");
    }

    @Test
    void unknownPathsAndMethodsLookTheSameAsKnownOnesWithoutTheToken() throws Exception {
        assertRefused(send(null, HttpMethod.GET, "/no/such/path"), "an unknown path");
        assertRefused(send(null, HttpMethod.PATCH, "/checkpoints"), "an unmapped method");
        assertRefused(send(null, HttpMethod.GET, "/checkpoint/save"), "a known path with the wrong method");
        assertThat(send(TOKEN, HttpMethod.GET, "/no/such/path").getStatusCode().value()).isEqualTo(404);
        assertThat(send(TOKEN, HttpMethod.PATCH, "/checkpoints").getStatusCode().value()).isEqualTo(405);
    }

    @Test
    void healthDetailsAreForTokenHoldersOnly() {
        JsonNode open = anonymous.get().uri("/actuator/health").retrieve().body(JsonNode.class);
        JsonNode holder = authorized.get().uri("/actuator/health").retrieve().body(JsonNode.class);

        assertThat(open.get("status").asString()).isEqualTo("UP");
        assertThat(open.get("components").get("model").get("status").asString()).isEqualTo("UP");
        assertThat(open.toString()).doesNotContain("details", "checkpointDir", "free", dir.toString());
        assertThat(holder.get("components").get("model").get("details").get("checkpointDir").asString())
            .isEqualTo(dir.resolve("ckpt").toString());
        assertThat(holder.get("components").get("diskSpace").get("details").has("free")).isTrue();
        assertThat(wrong.get().uri("/actuator/health/readiness").retrieve().body(String.class))
            .doesNotContain("details");
        assertThat(authorized.get().uri("/actuator/health/readiness").retrieve().body(String.class))
            .contains("details");
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void aCorsPreflightIsAnsweredWithoutAServerErrorOrAStackTrace(CapturedOutput output) {
        for (String path : List.of("/train", "/checkpoints", "/checkpoints/x/file", "/checkpoint/save")) {
            ResponseEntity<String> preflight = preflight(anonymous, path);

            assertRefused(preflight, "preflight " + path);
        }
        assertThat(preflight(anonymous, "/infer").getStatusCode().is5xxServerError()).isFalse();
        assertThat(output.toString()).doesNotContain("Exception", "\tat ");
    }

    private static ResponseEntity<String> preflight(RestClient client, String path) {
        return client.options()
            .uri(path)
            .header(HttpHeaders.ORIGIN, "http://elsewhere.example")
            .header(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .retrieve()
            .toEntity(String.class);
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void inferenceCanBeGuardedToo(CapturedOutput output) throws IOException {
        Path other = Files.createDirectories(dir.resolve("guarded"));
        try (ConfigurableApplicationContext guarded = RunningServer.start(
                TestFixtures.writeModel(other, TestFixtures.SMALL), other.resolve("ckpt"),
                "--edge.security.token=" + TOKEN, "--edge.security.protect-infer=true")) {
            RestClient open = RunningServer.client(RunningServer.port(guarded), null);
            RestClient holder = RunningServer.client(RunningServer.port(guarded), TOKEN);

            assertThat(status(open.post().uri("/infer").contentType(MediaType.IMAGE_PNG).body(TestFixtures.png(1))))
                .isEqualTo(401);
            assertRefused(preflight(open, "/infer"), "preflight /infer");
            assertThat(status(holder.post().uri("/infer").contentType(MediaType.IMAGE_PNG).body(TestFixtures.png(1))))
                .isEqualTo(200);
            assertThat(status(open.get().uri("/actuator/health/liveness"))).isEqualTo(200);
        }
        assertThat(output.toString()).doesNotContain("Exception", "\tat ");
    }

    @Test
    void theDashboardPageIsOpenButWhatItShowsOfTheDeviceNeedsTheToken() throws Exception {
        for (String open : List.of("/", "/index.html", "/dashboard/dashboard.js", "/dashboard/dashboard.css",
                "/webjars/chart.js/dist/chart.umd.min.js")) {
            assertThat(status(anonymous.get().uri(open))).as(open).isEqualTo(200);
        }
        List<String> data = List.of("/model", "/model/status", "/samples/recent", "/train/history",
                "/train/history?after=-1&generation=0", "/train/history/stream");
        for (String guarded : data) {
            assertRefused(send(null, HttpMethod.GET, guarded), guarded + " without the token");
            assertRefused(send(WRONG, HttpMethod.GET, guarded), guarded + " with a wrong token");
            assertThat(send(TOKEN, HttpMethod.GET, guarded).getStatusCode().value()).as(guarded + " with the token")
                .isEqualTo(200);
        }
        // With the token the stream answers with events.
        HttpResponse<InputStream> stream = JDK.send(HttpRequest
            .newBuilder(URI.create("http://localhost:" + RunningServer.port(server) + "/train/history/stream"))
            .header(HttpHeaders.AUTHORIZATION, "Bearer " + TOKEN)
            .build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream events = stream.body()) {
            assertThat(stream.statusCode()).isEqualTo(200);
            assertThat(stream.headers().firstValue(HttpHeaders.CONTENT_TYPE))
                .hasValueSatisfying(type -> assertThat(type).startsWith(MediaType.TEXT_EVENT_STREAM_VALUE));
            assertThat(new String(events.readNBytes(14), StandardCharsets.UTF_8)).isEqualTo("event:history\n");
        }
    }

}
