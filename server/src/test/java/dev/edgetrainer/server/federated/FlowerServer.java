package dev.edgetrainer.server.federated;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Assumptions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real Flower 1.23.0 server of {@code ../shared/flower} (FedAvg through
 * {@code flwr.server.start_server}), run by its own script on a free port of 127.0.0.1.
 * It records every round's client results and aggregates under its output directory and
 * checks them itself; its exit status says whether every round completed.
 */
final class FlowerServer implements AutoCloseable {

    private final Process process;

    private final Path out;

    private final Path log;

    final int port;

    private FlowerServer(Process process, Path out, Path log, int port) {
        this.process = process;
        this.out = out;
        this.log = log;
        this.port = port;
    }

    static Path home() {
        return TestFixtures.sharedModels().resolveSibling("flower");
    }

    /**
     * Skips the test when the bundled server or Debian's python3 packages it needs are
     * missing (CI has both: it runs {@code ../shared/flower/install-deps.sh}).
     */
    static void assumeAvailable() {
        Path script = home().resolve("run-server.sh");
        Assumptions.assumeTrue(Files.isExecutable(script), "needs the Flower server in " + home() + " (CI has it)");
        boolean deps;
        try {
            deps = new ProcessBuilder("/usr/bin/python3", "-c", "import grpc, numpy, google.protobuf, cryptography")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start()
                .waitFor() == 0;
        }
        catch (IOException e) {
            deps = false;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            deps = false;
        }
        Assumptions.assumeTrue(deps, "needs Debian's python3 packages for Flower: run "
                + home().resolve("install-deps.sh") + " as root (CI does)");
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts the server on {@code port}; {@code args} are fedavg-server.py's, e.g.
     * {@code --rounds 2 --min-clients 2 --evaluate}.
     */
    static FlowerServer start(int port, Path out, String... args) {
        List<String> command = new ArrayList<>(List.of(home().resolve("run-server.sh").toString(), "--port",
                Integer.toString(port), "--out", out.toString()));
        command.addAll(List.of(args));
        try {
            Files.createDirectories(out);
            Path log = out.resolve("server.log");
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
            return new FlowerServer(process, out, log, port);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for the server to finish its rounds; returns its exit status. */
    int awaitExit(Duration timeout) throws InterruptedException {
        assertThat(process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
            .as("the Flower server finished within %s; its log:%n%s", timeout, output())
            .isTrue();
        return process.exitValue();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String output() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        }
        catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /**
     * The aggregated tensor {@code index} of round {@code round}, as the server saved it.
     */
    Path global(int round, int index) {
        return out.resolve("round-" + round).resolve("global-" + index + ".npy");
    }

    Path out() {
        return out;
    }

    @Override
    public void close() {
        // run-server.sh execs python: this is the server's own process.
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
