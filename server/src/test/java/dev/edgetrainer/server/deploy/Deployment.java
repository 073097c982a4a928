package dev.edgetrainer.server.deploy;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The repository's deployment files (docker/, deploy/) and the Debian tools that check
 * them.
 */
final class Deployment {

    private Deployment() {
    }

    /** A file of the repository, from the folder holding mvnw. */
    static Path file(String relative) {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("mvnw"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("repository root (the folder holding mvnw) above " + Path.of("").toAbsolutePath())
            .isNotNull();
        return dir.resolve(relative);
    }

    static String read(String relative) {
        try {
            return Files.readString(file(relative));
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Whether a command is on the PATH (Debian packages; CI installs them). */
    static boolean installed(String command) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            .map(dir -> Path.of(dir, command))
            .anyMatch(Files::isExecutable);
    }

    /** Runs a command to its end; its output, stdout and stderr together. */
    static Result run(Duration timeout, List<String> command) {
        try {
            Path output = Files.createTempFile("edge-deploy", ".out");
            Process process = new ProcessBuilder(command).directory(file("").toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError(command + " did not finish within " + timeout);
            }
            String text = Files.readString(output, StandardCharsets.UTF_8);
            Files.delete(output);
            return new Result(process.exitValue(), text);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
    }

    static Result run(String... command) {
        return run(Duration.ofMinutes(2), List.of(command));
    }

    record Result(int exit, String output) {

        Result succeeded() {
            assertThat(exit).as(output).isZero();
            return this;
        }

    }

}
