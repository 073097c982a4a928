package dev.edgetrainer.server;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.ResponseEntity;
import org.springframework.web.client.RestClient;

/**
 * The real server in a JVM of its own, for what a test inside the test JVM cannot do:
 * {@code kill -9}, a second process on the same files, the deployment's JVM settings and
 * what a request does to the process (does it survive, how much resident memory does it
 * take). It runs the test class path's {@link ForkedServerMain} in its own working
 * directory with its log in a file there (and its checkpoints, unless the arguments name
 * a directory); the port comes from a port file, so any number can run at once.
 * {@link #deployed} starts it the way {@code deploy/edge-trainer.service} runs it on a
 * device.
 */
public final class ForkedServer implements AutoCloseable {

    /** The JVM options of {@code deploy/edge-trainer.service} (and {@code docker/}). */
    public static final List<String> DEPLOYMENT_JVM = Deployment.UNIT.javaOptions();

    /** Small enough for a few forks beside the test JVM on a two-core machine. */
    public static final List<String> SMALL_JVM = List.of("-XX:+UseSerialGC", "-Xmx192m", "-XX:TieredStopAtLevel=1");

    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

    private static final AtomicInteger FORKS = new AtomicInteger();

    private static final HttpClient HTTP = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10))
        .build();

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Process process;

    private final Path home;

    private int port;

    private ForkedServer(Process process, Path home) {
        this.process = process;
        this.home = home;
    }

    /**
     * Forks a server as a device runs it (JVM options, environment and memory cap of
     * {@link Deployment#UNIT}), with its checkpoints in its own directory, and waits
     * until it answers.
     * @param args more server arguments, e.g. {@code --edge.model.path=...}
     */
    public static ForkedServer deployed(Path workDir, String... args) {
        return launch(workDir, Deployment.UNIT, args).awaitStarted();
    }

    /**
     * Forks a server and waits until it answers on its port.
     * @param workDir where the fork gets a directory of its own (log, port file, working
     * directory)
     * @param args the server's arguments, e.g. {@code --edge.checkpoint.dir=...};
     * {@code --server.port=0} is added
     * @throws AssertionError with the end of its log when it does not start
     */
    public static ForkedServer start(Path workDir, List<String> jvmOptions, String... args) {
        return launch(workDir, jvmOptions, args).awaitStarted();
    }

    /** Forks a server without waiting for it. */
    public static ForkedServer launch(Path workDir, List<String> jvmOptions, String... args) {
        return launch(workDir, new Deployment(jvmOptions, Map.of(), 0), args);
    }

    private static ForkedServer launch(Path workDir, Deployment jvm, String... args) {
        try {
            Path home = Files.createDirectories(workDir.resolve("fork-" + FORKS.incrementAndGet()));
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvm.javaOptions());
            command.add("-D" + ForkedServerMain.PORT_FILE + "=" + home.resolve("port"));
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(ForkedServerMain.class.getName());
            command.add("--server.port=0");
            if (List.of(args).stream().noneMatch(arg -> arg.startsWith("--edge.checkpoint.dir="))) {
                command.add("--edge.checkpoint.dir=" + home.resolve("checkpoints"));
            }
            command.addAll(List.of(args));
            ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(home.resolve("server.log").toFile());
            builder.environment().putAll(jvm.environment());
            return new ForkedServer(builder.start(), home);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits for the port file and then for readiness; fails with the log when the process
     * ends first.
     */
    public ForkedServer awaitStarted() {
        Path portFile = home.resolve("port");
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                if (port == 0 && Files.exists(portFile)) {
                    String text = Files.readString(portFile).trim();
                    port = text.isEmpty() ? 0 : Integer.parseInt(text);
                }
                if (port != 0 && isReady()) {
                    return this;
                }
                if (!process.isAlive()) {
                    throw new AssertionError("the forked server exited with " + process.exitValue()
                            + " before it took requests:\n" + logTail());
                }
                Thread.sleep(50);
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
        throw new AssertionError("the forked server did not start within " + START_TIMEOUT + ":\n" + logTail());
    }

    private boolean isReady() {
        try {
            return get("/actuator/health/readiness").status() == 200;
        }
        catch (RuntimeException e) {
            return false;
        }
    }

    /** Waits for the process to end by itself; returns its exit code. */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("the forked server was still running after " + timeout + ":\n" + logTail());
            }
            return process.exitValue();
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    /** A client that hands back every status instead of throwing. */
    public RestClient client() {
        return RunningServer.client(port, null);
    }

    /** {@code GET} a JSON resource. */
    public Reply get(String path) {
        ResponseEntity<JsonNode> response = client().get().uri(uri(path)).retrieve().toEntity(JsonNode.class);
        return new Reply(response.getStatusCode().value(), String.valueOf(response.getHeaders().getContentType()),
                response.getBody());
    }

    /** {@code POST}s a body and reads the JSON answer. */
    public Reply post(String path, String contentType, byte[] body) {
        HttpRequest request = HttpRequest.newBuilder(uri(path))
            .header("Content-Type", contentType)
            .timeout(Duration.ofMinutes(2))
            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                    response.body().isEmpty() ? null : JSON.readTree(response.body()));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /**
     * What the server answers a {@code POST} before its body: the headers go out with
     * {@code Expect: 100-continue} and the body never does. A 100 means the server wants
     * the body ({@link Reply#status()} 100, no body); anything else is its final answer.
     */
    public Reply answerBeforeBody(String path, String contentType, long contentLength) {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout((int) Duration.ofMinutes(1).toMillis());
            socket.getOutputStream()
                .write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: " + contentType
                        + "\r\nContent-Length: " + contentLength + "\r\nExpect: 100-continue\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = new BufferedInputStream(socket.getInputStream());
            int status = Integer.parseInt(line(in).split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String header = line(in); !header.isEmpty(); header = line(in)) {
                int colon = header.indexOf(':');
                headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        header.substring(colon + 1).trim());
            }
            if (status == 100) {
                return new Reply(100, "", null);
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                for (int size = Integer.parseInt(line(in), 16); size > 0; size = Integer.parseInt(line(in), 16)) {
                    body.write(in.readNBytes(size));
                    line(in);
                }
            }
            else {
                body.write(in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0"))));
            }
            return new Reply(status, headers.getOrDefault("content-type", ""),
                    (body.size() == 0) ? null : JSON.readTree(body.toByteArray()));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("the connection closed in the middle of an answer");
            }
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    /** Resident set size now, from {@code /proc} (Linux). */
    public long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
            throw new IllegalStateException("no VmRSS for process " + process.pid());
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code kill -9}: no shutdown hook, no flush, no finally block runs. */
    public void kill() {
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
    }

    /** Everything the server has written to stdout and stderr so far. */
    public String log() {
        try {
            return Files.readString(home.resolve("server.log"));
        }
        catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private String logTail() {
        String log = log();
        return log.length() <= 6000 ? log : "..." + log.substring(log.length() - 6000);
    }

    /** Stops the server as systemd would (SIGTERM), forcibly if it takes too long. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(40, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    /** An answer: its status, content type and JSON body (null when empty). */
    public record Reply(int status, String contentType, JsonNode body) {

        /** An RFC 9457 problem with this answer's status. */
        public boolean isProblem() {
            return contentType.startsWith("application/problem+json") && body != null
                    && body.path("status").asInt() == status;
        }

    }

    /**
     * How a device runs the JVM: options, environment and the memory cap systemd
     * enforces.
     *
     * @param memoryMax the unit's {@code MemoryMax} in bytes; 0 when it sets none
     */
    public record Deployment(List<String> javaOptions, Map<String, String> environment, long memoryMax) {

        /**
         * Read from {@code deploy/edge-trainer.service}, so the tests follow what devices
         * run: {@code JAVA_OPTS}, the rest of its environment but the server's own
         * {@code EDGE_*} settings (each test chooses those), and {@code MemoryMax}.
         */
        public static final Deployment UNIT = fromUnit(TestFixtures.repositoryFile("deploy/edge-trainer.service"));

        static Deployment fromUnit(Path unit) {
            Map<String, String> environment = new LinkedHashMap<>();
            long memoryMax = 0;
            try {
                for (String line : Files.readAllLines(unit)) {
                    if (line.startsWith("Environment=")) {
                        String assignment = line.substring("Environment=".length()).replaceAll("^\"|\"$", "");
                        int eq = assignment.indexOf('=');
                        environment.put(assignment.substring(0, eq), assignment.substring(eq + 1));
                    }
                    else if (line.startsWith("MemoryMax=")) {
                        memoryMax = megabytes(line.substring("MemoryMax=".length()));
                    }
                }
            }
            catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            String javaOptions = environment.remove("JAVA_OPTS");
            if (javaOptions == null) {
                throw new IllegalStateException(unit + " sets no JAVA_OPTS");
            }
            environment.keySet().removeIf(name -> name.startsWith("EDGE_"));
            return new Deployment(Arrays.asList(javaOptions.trim().split("\\s+")), environment, memoryMax);
        }

        private static long megabytes(String value) {
            if (!value.endsWith("M")) {
                throw new IllegalStateException("MemoryMax=" + value + " is not in megabytes");
            }
            return Long.parseLong(value.substring(0, value.length() - 1)) * 1024 * 1024;
        }

    }

}
