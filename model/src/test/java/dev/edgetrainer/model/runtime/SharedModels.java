package dev.edgetrainer.model.runtime;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The converter-made models in {@code ../shared/models} beside the checkout (CI has
 * them).
 */
public final class SharedModels {

    private static final Path DIR = locate();

    private SharedModels() {
    }

    /**
     * The model's path; skips the calling test, saying why, when the shared folder is
     * absent.
     */
    public static Path require(String file) {
        Path path = DIR == null ? null : DIR.resolve(file);
        assumeTrue(path != null && Files.isRegularFile(path),
                "needs " + file + " from ../shared/models beside the checkout (present on CI)");
        return path;
    }

    private static Path locate() {
        // Tests run with the module as working directory; the shared folder sits beside
        // the repository.
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared/models");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return null;
    }

}
