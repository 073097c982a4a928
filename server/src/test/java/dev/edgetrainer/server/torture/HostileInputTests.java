package dev.edgetrainer.server.torture;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import dev.edgetrainer.server.ForkedServer;
import dev.edgetrainer.server.HostileInputs;
import dev.edgetrainer.server.TestFixtures;
import dev.edgetrainer.server.torture.HostileRequests.Multipart;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.util.FileSystemUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Generated malformed requests (jqwik) against one real server process with the
 * deployment's heap ({@code -Xmx96m}, exit on OutOfMemoryError) and a bearer token:
 * tensors of every wrong shape, dtype and depth, numbers that are not finite floats,
 * damaged images, bad IDX files, multipart floods, path tricks in checkpoint and job ids,
 * damaged checkpoint uploads, odd content types and methods, and wrong tokens on requests
 * that would otherwise change the model. Every answer is below 500; where the request can
 * never be valid, a 4xx problem; the process survives with its resident memory within the
 * deployment's limit, and after every property the weights are bit-identical (the SHA-256
 * of a save, and the predictions for a sample digit for digit). Over 10,000 requests in
 * all.
 */
@Tag("torture")
class HostileInputTests {

    private static final String TOKEN = "torture-suite-token";

    /** The deployment's memory limit (deploy/k8s's DaemonSet, systemd's MemoryMax). */
    private static final long MEMORY_LIMIT = 600L << 20;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final AtomicInteger SENT = new AtomicInteger();

    private static final AtomicInteger REFUSED = new AtomicInteger();

    /** Refusals Tomcat made before Spring MVC saw the request: not problem+json. */
    private static final Set<String> CONTAINER_ANSWERS = ConcurrentHashMap.newKeySet();

    private static Path dir;

    private static ForkedServer server;

    private static HttpClient http;

    private static String weightsSha;

    /** The predictions for one sample: equal decimal texts are bit-identical floats. */
    private static JsonNode answer;

    private static byte[] checkpointFile;

    @BeforeContainer
    static void startOneServer() throws Exception {
        dir = Files.createTempDirectory("edge-hostile");
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        List<String> jvm = Stream.concat(ForkedServer.DEPLOYMENT_JVM.stream(), Stream.of("-Dspring.aot.enabled=true"))
            .toList();
        server = ForkedServer.start(dir, jvm, "--edge.model.path=" + model,
                "--edge.checkpoint.dir=" + dir.resolve("ckpt"), "--edge.security.token=" + TOKEN,
                "--edge.security.protect-infer=true", "--edge.train.sync-timeout=20s");
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        JsonNode saved = JSON.readTree(send("POST", "/checkpoint/save", null, null, TOKEN).body());
        weightsSha = saved.get("sha256").asString();
        checkpointFile = send("GET", "/checkpoints/" + saved.get("id").asString() + "/file", null, null, TOKEN).body();
        answer = inferOnce();
    }

    @AfterContainer
    static void stop() throws IOException {
        long rss = server.isAlive() ? server.rssBytes() : -1;
        System.out.printf(
                "HostileInputTests: %d generated requests, %d refused with 4xx, 0 with 5xx; "
                        + "server RSS %d MB afterwards; refused by Tomcat itself: %s%n",
                SENT.get(), REFUSED.get(), rss >> 20, CONTAINER_ANSWERS);
        server.close();
        FileSystemUtils.deleteRecursively(dir);
    }

    /**
     * Nothing any request did changed the model, and the server is still the same
     * process. After a change the weights are reset, so that the next property starts
     * from them again.
     */
    @AfterProperty
    void weightsAreBitIdenticalAndTheServerAlive() throws IOException {
        assertThat(server.isAlive()).as("the server process survived:\n" + server.log()).isTrue();
        JsonNode saved = JSON.readTree(send("POST", "/checkpoint/save", null, null, TOKEN).body());
        boolean changed = !saved.get("sha256").asString().equals(weightsSha) || !inferOnce().equals(answer);
        if (changed) {
            send("POST", "/checkpoint/reset", null, null, TOKEN);
        }
        assertThat(changed).as("the weights changed (their SHA-256, or the predictions for a sample digit for digit)")
            .isFalse();
        assertThat(server.rssBytes()).as("resident memory of the server").isLessThan(MEMORY_LIMIT);
    }

    /** {@code /infer} with JSON of any shape, depth and numbers: never a server error. */
    @Property(tries = 2000)
    void jsonInferenceOfAnyTensorIsAnsweredWithoutAServerError(@ForAll("inferBodies") Request request) {
        request.assertNoServerError();
    }

    @Provide
    Arbitrary<Request> inferBodies() {
        return Arbitraries.randomValue(random -> {
            String x = switch (random.nextInt(8)) {
                case 0 -> HostileRequests.deep(200 + random.nextInt(3000));
                case 1 -> HostileRequests.array(1 + random.nextInt(4), i -> HostileRequests.badSample(random));
                case 2 -> HostileRequests.batch(random, 257 + random.nextInt(40));
                case 3 -> "\"" + "a".repeat(random.nextInt(100)) + "\"";
                default -> HostileRequests.anyTensor(random, random.nextInt(7));
            };
            String body = switch (random.nextInt(10)) {
                case 0 -> "{\"y\":" + x + "}";
                case 1 -> "{\"x\":" + x + ",\"x\":" + x + "}";
                case 2 -> truncate(random, "{\"x\":" + x + "}");
                case 3 -> "[" + x + "]";
                default -> "{\"x\":" + x + "}";
            };
            String top = random.nextInt(4) == 0 ? "?top=" + oneOf(random, "-1", "0", "1000", "abc", "1e3", "") : "";
            // /evaluate reads x (and y) as /infer and /train do, and changes no weights.
            String path = random.nextInt(4) == 0 ? "/evaluate" : "/infer" + top;
            return new Request("POST", path, "application/json", body.getBytes(StandardCharsets.UTF_8), TOKEN, false,
                    "JSON tensors");
        });
    }

    /**
     * {@code /train} with JSON that has at least one defect (a sample, a label, counts or
     * options): always refused up front, never trained on.
     */
    @Property(tries = 2000)
    void jsonTrainingWithAnyDefectIsRefusedAndNeverTrainedOn(@ForAll("trainBodies") Request request) {
        request.assertNoServerError();
    }

    @Provide
    Arbitrary<Request> trainBodies() {
        return Arbitraries.randomValue(random -> {
            int count = 1 + random.nextInt(6);
            int badSample = random.nextInt(4) == 0 ? random.nextInt(count) : -1;
            int badLabel = random.nextInt(4) == 0 ? random.nextInt(count) : -1;
            int labels = count + (random.nextInt(6) == 0 ? (random.nextBoolean() ? 1 : -1) : 0);
            List<String> options = new ArrayList<>();
            List<String> query = new ArrayList<>();
            boolean badOption = random.nextInt(5) == 0;
            if (badOption) {
                String option = oneOf(random, "epochs", "batchSize", "shuffle", "async");
                String value = switch (option) {
                    case "epochs" -> oneOf(random, "0", "-1", "1001", "1e9", "\"x\"", "[]");
                    case "batchSize" -> oneOf(random, "0", "-3", "99999999999", "\"x\"", "{}");
                    default -> oneOf(random, "\"maybe\"", "[]", "{}");
                };
                if (random.nextBoolean() && !value.startsWith("\"") && !value.startsWith("[") && !value.startsWith("{")
                        && !value.equals("null")) {
                    query.add(option + "=" + value);
                }
                else {
                    options.add("\"" + option + "\":" + value);
                }
            }
            boolean truncated = random.nextInt(10) == 0;
            boolean missing = random.nextInt(12) == 0;
            if (badSample < 0 && badLabel < 0 && labels == count && !badOption && !truncated && !missing) {
                badSample = random.nextInt(count);
            }
            int sampleAt = badSample;
            int labelAt = badLabel;
            String x = HostileRequests.array(count,
                    i -> i == sampleAt ? HostileRequests.badSample(random) : HostileRequests.sample(random));
            String y = HostileRequests.array(Math.max(labels, 0),
                    i -> i == labelAt ? HostileRequests.badLabel(random) : HostileRequests.label(random));
            String fields = (missing ? (random.nextBoolean() ? "\"x\":" + x : "\"y\":" + y)
                    : "\"x\":" + x + ",\"y\":" + y) + options.stream().map(o -> "," + o).reduce("", String::concat);
            String body = "{" + fields + "}";
            if (truncated) {
                body = truncate(random, body);
            }
            if (random.nextInt(3) == 0) {
                query.add("async=true");
            }
            String path = "/train" + (query.isEmpty() ? "" : "?" + String.join("&", query));
            String defects = (sampleAt >= 0 ? " bad sample " + sampleAt : "")
                    + (labelAt >= 0 ? " bad label " + labelAt : "")
                    + (labels != count ? " " + labels + " labels for " + count + " samples" : "")
                    + (badOption ? " option " + options + query : "") + (truncated ? " truncated" : "")
                    + (missing ? " x or y missing" : "");
            return new Request("POST", path, "application/json", body.getBytes(StandardCharsets.UTF_8), TOKEN, true,
                    "train JSON with" + defects);
        });
    }

    /** Damaged images, raw or in parts, to {@code /infer}: never a server error. */
    @Property(tries = 1000)
    void damagedImagesForInferenceAreAnsweredWithoutAServerError(@ForAll("imageInferences") Request request) {
        request.assertNoServerError();
    }

    @Provide
    Arbitrary<Request> imageInferences() {
        return Arbitraries.randomValue(random -> {
            String query = random.nextInt(4) == 0 ? "?invert=" + oneOf(random, "yes", "auto", "", "1", "AUTO") : "";
            if (random.nextBoolean()) {
                byte[] image = random.nextInt(5) == 0 ? HostileRequests.image(random)
                        : HostileRequests.damagedImage(random);
                return new Request("POST", "/infer" + query, oneOf(random, "image/png", "image/jpeg"), image, TOKEN,
                        false, "infer image");
            }
            Multipart body = new Multipart(random);
            int parts = random.nextInt(10) == 0 ? 200 + random.nextInt(800) : 1 + random.nextInt(4);
            for (int i = 0; i < parts; i++) {
                byte[] image = random.nextInt(3) == 0 ? HostileRequests.image(random)
                        : HostileRequests.damagedImage(random);
                body.file(random.nextInt(20) == 0 ? "picture" : "image", oneOf(random, "a.png", "", "../../x", "%00"),
                        oneOf(random, "image/png", "image/jpeg", "application/octet-stream", "text/plain"), image);
            }
            return new Request("POST", "/infer" + query, body.contentType(), body.bytes(random.nextInt(8) == 0), TOKEN,
                    false, "infer multipart (" + parts + " parts)");
        });
    }

    /**
     * Multipart training (image and label parts, or IDX files) with at least one defect:
     * always refused, never trained on.
     */
    @Property(tries = 1500)
    void multipartTrainingWithAnyDefectIsRefusedAndNeverTrainedOn(@ForAll("multipartTraining") Request request) {
        request.assertNoServerError();
    }

    @Provide
    Arbitrary<Request> multipartTraining() {
        return Arbitraries.randomValue(random -> {
            Multipart body = new Multipart(random);
            String what;
            if (random.nextBoolean()) {
                int count = 1 + random.nextInt(6);
                boolean badImages = random.nextBoolean();
                boolean badLabels = !badImages || random.nextBoolean();
                byte[] images = badImages ? HostileRequests.badIdx(random, true, count) : TestFixtures.idxImages(count);
                byte[] labels = badLabels ? HostileRequests.badIdx(random, false, count)
                        : TestFixtures.idxLabels(count);
                switch (random.nextInt(6)) {
                    case 0 -> body.file("images", "t10k-images-idx3-ubyte", "application/octet-stream", images);
                    case 1 -> body.file("labels", "labels.gz", "application/gzip", labels);
                    default -> body.file("images", "images.gz", "application/gzip", images)
                        .file("labels", "labels", "application/octet-stream", labels);
                }
                what = "train IDX";
            }
            else {
                int count = random.nextInt(10) == 0 ? 300 + random.nextInt(700) : 1 + random.nextInt(5);
                int noise = random.nextInt(3) == 0 ? random.nextInt(count) : -1;
                int badLabel = noise < 0 || random.nextBoolean() ? random.nextInt(count) : -1;
                int labels = count - (random.nextInt(5) == 0 ? 1 : 0);
                for (int i = 0; i < count; i++) {
                    byte[] image = i == noise ? noise(random) : HostileRequests.image(random);
                    body.file("image", "s" + i + ".png", "image/png", image);
                }
                for (int i = 0; i < labels; i++) {
                    body.field("label", i == badLabel ? oneOf(random, "-1", "10", "x", "", "1e9", "2.5", "NaN")
                            : HostileRequests.label(random));
                }
                what = "train images (" + count + " parts)";
            }
            if (random.nextInt(4) == 0) {
                body.field(oneOf(random, "epochs", "batchSize", "shuffle", "async"), oneOf(random, "0", "-1", "x", ""));
            }
            return new Request("POST", "/train", body.contentType(), body.bytes(random.nextInt(10) == 0), TOKEN, true,
                    what);
        });
    }

    /**
     * Checkpoint and job resources with tricky ids, damaged uploads, junk preconditions
     * and restore bodies: never a server error; uploads and restores always refused.
     */
    @Property(tries = 1500)
    void checkpointAndJobRequestsWithTrickyIdsAndDamagedFilesAreRefused(@ForAll("checkpointRequests") Request request) {
        request.assertNoServerError();
    }

    @Provide
    Arbitrary<Request> checkpointRequests() {
        return Arbitraries.randomValue(random -> {
            String id = HostileRequests.trickyId(random);
            return switch (random.nextInt(7)) {
                case 0 -> new Request(oneOf(random, "GET", "DELETE"), "/checkpoints/" + id, null, null, TOKEN, false,
                        "checkpoint");
                case 1 ->
                    new Request("GET", "/checkpoints/" + id + "/file", null, null, TOKEN, false, "checkpoint file");
                case 2 ->
                    new Request(oneOf(random, "GET", "DELETE"), "/train/jobs/" + id, null, null, TOKEN, false, "job");
                case 3 -> {
                    // No body, null, {} and {"id":null} restore the newest checkpoint:
                    // valid.
                    String body = oneOf(random, "{\"id\":\"" + id + "\"}", "{\"id\":7}", "[]", "{\"id\":[\"a\"]}",
                            "{\"id\":\"peer-none\",\"extra\":" + HostileRequests.deep(50) + "}", "{\"id\":", "\"x\"");
                    yield new Request("POST", "/checkpoint/restore", "application/json",
                            body.getBytes(StandardCharsets.UTF_8), TOKEN, true, "restore");
                }
                default -> {
                    byte[] file = damagedCheckpoint(random);
                    String target = random.nextBoolean() ? id : "peer-" + random.nextInt(1000);
                    Request upload = new Request("PUT", "/checkpoints/" + target + "/file",
                            oneOf(random, "application/octet-stream", "application/octet-stream", "text/plain"), file,
                            TOKEN, true, "upload");
                    yield random.nextInt(3) == 0 ? upload.withHeader(oneOf(random, "If-Match", "If-None-Match"),
                            oneOf(random, "*", "\"\"", "\"" + "0".repeat(64) + "\"", "W/\"x\"", "garbage", ",,,"))
                            : upload;
                }
            };
        });
    }

    /**
     * Requests that would change the model (a valid training job, restore, reset, an
     * intact upload) or read it, with a wrong, malformed or missing token: all 401.
     */
    @Property(tries = 1000)
    void wrongTokensAreRefusedOnEveryEndpoint(@ForAll("wrongTokens") Request request) {
        assertThat(request.send().statusCode()).as(request.toString()).isEqualTo(401);
    }

    @Provide
    Arbitrary<Request> wrongTokens() {
        return Arbitraries.randomValue(random -> {
            String token = oneOf(random, null, "", "wrong", TOKEN + "x", TOKEN.substring(1), TOKEN.toUpperCase(),
                    "a".repeat(4000), "tørture");
            Request request = switch (random.nextInt(7)) {
                case 0 -> new Request("POST", "/train", "application/json",
                        ("{\"x\":" + HostileRequests.batch(random, 2) + ",\"y\":[1,2]}")
                            .getBytes(StandardCharsets.UTF_8),
                        token, true, "train");
                case 1 -> new Request("POST", "/checkpoint/reset", null, null, token, true, "reset");
                case 2 -> new Request("POST", "/checkpoint/save", null, null, token, true, "save");
                case 3 ->
                    new Request("PUT", "/checkpoints/peer-" + random.nextInt(100) + "/file", "application/octet-stream",
                            TestFixtures.variant(checkpointFile, random.nextInt(100)), token, true, "upload");
                case 4 ->
                    new Request("POST", "/infer", "image/png", HostileRequests.image(random), token, true, "infer");
                case 5 -> new Request("GET", oneOf(random, "/checkpoints", "/train/jobs", "/model", "/samples/recent",
                        "/data", "/federated"), null, null, token, true, "read");
                default -> new Request("DELETE", "/checkpoints/peer-" + random.nextInt(100), null, null, token, true,
                        "delete");
            };
            if (token != null && random.nextInt(3) == 0) {
                return request.withAuthorization(
                        oneOf(random, "Basic " + token, "Token " + token, "Bearer", "Bearer:" + token, token));
            }
            return request;
        });
    }

    /** Any method with any content type on every endpoint: never a server error. */
    @Property(tries = 1000)
    void anyMethodAndContentTypeOnEveryEndpointIsAnsweredWithoutAServerError(
            @ForAll("methodsAndTypes") Request request) {
        request.assertNoServerError();
    }

    @Provide
    Arbitrary<Request> methodsAndTypes() {
        return Arbitraries.randomValue(random -> {
            String path = oneOf(random, "/infer", "/train", "/checkpoint/restore", "/checkpoints", "/checkpoints/none",
                    "/checkpoints/none/file", "/train/jobs", "/train/history", "/model", "/model/status",
                    "/samples/recent", "/actuator/health", "/actuator/metrics", "/nothing/here", "/infer/", "//infer",
                    "/INFER", "/infer;x=1", "/checkpoint/save/..", "/v3/api-docs", "/%2e%2e/etc/passwd", "/data",
                    "/evaluate", "/federated", "/federated/connect", "/federated/disconnect");
            // No HEAD: Java 17's HttpClient waits for the body its Content-Length
            // announces.
            String method = oneOf(random, "GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND");
            String type = oneOf(random, null, "text/plain", "application/xml", "application/x-www-form-urlencoded",
                    "multipart/form-data", "multipart/form-data; boundary=", "application/json; charset=utf-16",
                    "image/gif", "*/*", "a/b/c", "application/json", "image/png", "application/octet-stream",
                    "application/gzip");
            byte[] body = switch (random.nextInt(4)) {
                case 0 -> null;
                case 1 -> noise(random);
                case 2 -> ("{\"x\":" + HostileRequests.anyTensor(random, 3) + "}").getBytes(StandardCharsets.UTF_8);
                default -> HostileRequests.damagedImage(random);
            };
            // Saves and resets change no weights here; anything else that did would show
            // after the property.
            return new Request(method, path, type, body, TOKEN, false, "method and type");
        });
    }

    /**
     * Small on the wire, big once decoded: images whose size fields were set to huge
     * values, PNGs of 16 to 64 megapixels (the limit is 40), gzipped IDX uploads of
     * 60,000 images, a JSON body of 15 MB of zeros (under the 16 MB body limit). Refused
     * or answered within the deployment's 96 MB heap; never an OutOfMemoryError, which
     * ends the process.
     */
    @Property(tries = 30)
    void decompressionBombsAreRefusedWithinTheHeap(@ForAll("bombs") Request request) {
        request.assertNoServerError();
    }

    @Provide
    Arbitrary<Request> bombs() {
        return Arbitraries.randomValue(random -> switch (random.nextInt(5)) {
            case 4 -> new Request("POST", "/infer", "image/png", HostileRequests.hugeHeader(random), TOKEN, false,
                    "an image whose header declares a huge size");
            case 0 -> {
                int side = oneOf(random, 4000, 6000, 7000, 7746, 8000);
                yield new Request("POST", "/infer", "image/png", HostileInputs.blankPng(side, side, HostileInputs.GRAY),
                        TOKEN, false, "PNG bomb " + side + "x" + side);
            }
            case 1 -> {
                Multipart body = new Multipart(random)
                    .file("images", "images.gz", "application/gzip", HostileInputs.gzipIdxImages(60_000))
                    .file("labels", "labels.gz", "application/gzip", HostileInputs.gzipIdxLabels(60_000 - 1));
                yield new Request("POST", "/train", body.contentType(), body.bytes(false), TOKEN, true,
                        "IDX bomb of 60,000 images with one label missing");
            }
            case 2 -> {
                StringBuilder zeros = new StringBuilder("{\"x\":[");
                while (zeros.length() < 15_000_000) {
                    zeros.append("0,");
                }
                zeros.append("0]}");
                yield new Request("POST", oneOf(random, "/infer", "/train"), "application/json",
                        zeros.toString().getBytes(StandardCharsets.UTF_8), TOKEN, false, "15 MB of JSON zeros");
            }
            default -> {
                Multipart body = new Multipart(random);
                // Small real garments: 15,000 of them stay under the 16 MB body limit.
                byte[] image = TestFixtures.png(random.nextInt(100));
                for (int i = 0; i < 15_000; i++) {
                    body.file("image", "s.png", "image/png", image);
                }
                yield new Request("POST", "/infer", body.contentType(), body.bytes(false), TOKEN, false,
                        "15,000 image parts");
            }
        });
    }

    /** A checkpoint file that must never be stored: bits flipped, cut short, or noise. */
    private static byte[] damagedCheckpoint(Random random) {
        byte[] file = TestFixtures.variant(checkpointFile, random.nextInt(1000));
        return switch (random.nextInt(4)) {
            case 0 -> Arrays.copyOf(file, random.nextInt(file.length));
            case 1 -> noise(random);
            default -> {
                for (int i = 0; i < 1 + random.nextInt(3); i++) {
                    file[random.nextInt(file.length)] ^= (byte) (1 << random.nextInt(8));
                }
                yield file;
            }
        };
    }

    private static byte[] noise(Random random) {
        byte[] noise = new byte[random.nextInt(4096)];
        random.nextBytes(noise);
        return noise;
    }

    @SafeVarargs
    private static <T> T oneOf(Random random, T... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private static String truncate(Random random, String json) {
        return json.substring(0, random.nextInt(json.length()));
    }

    private static JsonNode inferOnce() {
        String body = "{\"x\":[" + JSON.writeValueAsString(TestFixtures.sample(3)) + "]}";
        HttpResponse<byte[]> response = send("POST", "/infer", "application/json",
                body.getBytes(StandardCharsets.UTF_8), TOKEN);
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body()).get("predictions");
    }

    static HttpResponse<byte[]> send(String method, String path, String type, byte[] body, String token) {
        return new Request(method, path, type, body, token, false, "").send();
    }

    /**
     * One request as sent on the wire.
     *
     * @param mayChange whether it would change the model if it were valid: such a request
     * must be refused with a 4xx, never answered 2xx
     */
    record Request(String method, String path, String type, byte[] body, String token, boolean mayChange, String what,
            List<String> headers) {

        Request(String method, String path, String type, byte[] body, String token, boolean mayChange, String what) {
            this(method, path, type, body, token, mayChange, what, List.of());
        }

        Request withHeader(String name, String value) {
            List<String> more = new ArrayList<>(headers);
            more.add(name);
            more.add(value);
            return new Request(method, path, type, body, token, mayChange, what, more);
        }

        /**
         * Sends {@code value} as the Authorization header instead of the bearer token.
         */
        Request withAuthorization(String value) {
            return new Request(method, path, type, body, null, mayChange, what, headers).withHeader("Authorization",
                    value);
        }

        HttpResponse<byte[]> send() {
            HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path))
                .timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
            if (type != null) {
                builder.header("Content-Type", type);
            }
            if (token != null) {
                builder.header("Authorization", "Bearer " + token);
            }
            for (int i = 0; i < headers.size(); i += 2) {
                builder.header(headers.get(i), headers.get(i + 1));
            }
            SENT.incrementAndGet();
            try {
                return http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
            }
            catch (IOException e) {
                throw new AssertionError(this + ": no answer (" + e + "); server alive: " + server.isAlive(), e);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        /**
         * Below 500; a 4xx is a problem+json, except where Tomcat refuses the request
         * before Spring MVC sees it (a URL it will not parse, TRACE): those get Tomcat's
         * page or Spring Boot's error JSON, counted in {@link #CONTAINER_ANSWERS}; a
         * request that may change the model is never answered 2xx.
         */
        void assertNoServerError() {
            HttpResponse<byte[]> response = send();
            int status = response.statusCode();
            String answer = new String(response.body(), StandardCharsets.UTF_8);
            assertThat(status)
                .as(() -> this + " answered " + abbreviate(answer) + "\nend of the server's log:\n"
                        + tail(server.log()))
                .isLessThan(500);
            if (status >= 400) {
                REFUSED.incrementAndGet();
                String type = response.headers().firstValue("Content-Type").orElse("");
                if (!type.startsWith("application/problem+json")) {
                    boolean container = status == 400 && path.contains("%")
                            || answer.contains("\"timestamp\"") && answer.contains("\"error\"");
                    assertThat(container).as(this + " answered " + status + " " + type + " " + abbreviate(answer))
                        .isTrue();
                    CONTAINER_ANSWERS.add(method + " " + status);
                }
            }
            if (mayChange && status < 300 && !method.equals("OPTIONS")) {
                assertThat(status).as(this + " was accepted: " + abbreviate(answer)).isGreaterThanOrEqualTo(400);
            }
        }

        @Override
        public String toString() {
            return what + ": " + method + " " + abbreviate(path) + " (" + type + ", " + (body == null ? 0 : body.length)
                    + " bytes: " + (body == null ? "" : abbreviate(new String(body, StandardCharsets.ISO_8859_1))) + ")"
                    + (headers.isEmpty() ? "" : " " + headers);
        }

        private static String tail(String log) {
            return log.length() <= 6000 ? log : log.substring(log.length() - 6000);
        }

        private static String abbreviate(String text) {
            return text.length() <= 300 ? text : text.substring(0, 300) + "...(" + text.length() + ")";
        }

    }

}
