package dev.edgetrainer.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.web.client.RestClient;

/**
 * The real server in a JVM of its own, for what a test inside the test JVM cannot do:
 * {@code kill -9}, a second process on the same files, or the deployment's JVM settings.
 * It runs the test classpath's {@link ForkedServerMain} in its own working directory with
 * its log in a file there; the port comes from a port file, so any number can run at
 * once.
 */
public final class ForkedServer implements AutoCloseable {

    /** The JVM settings of {@code deploy/} and {@code docker/}. */
    public static final List<String> DEPLOYMENT_JVM = List.of("-XX:+UseSerialGC", "-Xmx96m",
            "-XX:+ExitOnOutOfMemoryError");

    /** Small enough for a few forks beside the test JVM on a two-core machine. */
    public static final List<String> SMALL_JVM = List.of("-XX:+UseSerialGC", "-Xmx192m", "-XX:TieredStopAtLevel=1");

    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);

    private static final AtomicInteger FORKS = new AtomicInteger();

    private final Process process;

    private final Path home;

    private int port;

    private ForkedServer(Process process, Path home) {
        this.process = process;
        this.home = home;
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
        try {
            Path home = Files.createDirectories(workDir.resolve("fork-" + FORKS.incrementAndGet()));
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmOptions);
            command.add("-D" + ForkedServerMain.PORT_FILE + "=" + home.resolve("port"));
            command.add("-cp");
            command.add(System.getProperty("java.class.path"));
            command.add(ForkedServerMain.class.getName());
            command.add("--server.port=0");
            command.addAll(List.of(args));
            Process process = new ProcessBuilder(command).directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(home.resolve("server.log").toFile())
                .start();
            return new ForkedServer(process, home);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for the port file; fails with the log when the process ends first. */
    public ForkedServer awaitStarted() {
        Path portFile = home.resolve("port");
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                if (Files.exists(portFile)) {
                    String text = Files.readString(portFile).trim();
                    if (!text.isEmpty()) {
                        port = Integer.parseInt(text);
                        return this;
                    }
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

    public RestClient client() {
        return RunningServer.client(port, null);
    }

    /** {@code kill -9}: no shutdown hook, no flush, no finally block runs. */
    public void kill() {
        process.destroyForcibly();
        awaitExit(Duration.ofSeconds(30));
    }

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

}
