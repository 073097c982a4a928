package dev.edgetrainer.server.torture;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.edgetrainer.model.io.Sha256;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A checkpoint directory checked from outside against what the server lists
 * ({@code GET /checkpoints}), by the layout server/README.md documents: every manifest is
 * listed, every data file belongs to a listed checkpoint and hashes to its manifest's
 * SHA-256, and no temp file is left.
 */
final class StoreAudit {

    private static final Pattern DATA = Pattern.compile("([^.]+)(\\.[0-9a-f]{16})?(\\.weights|\\.ckpt)");

    private StoreAudit() {
    }

    /** The files the audit found, for figures. */
    record Found(int checkpoints, int dataFiles, long bytes) {
    }

    static Found assertAgrees(Path dir, JsonNode listing, String when) {
        List<Path> files = files(dir);
        List<String> names = files.stream().map(p -> p.getFileName().toString()).toList();
        assertThat(names).as(when + ": temp files in " + dir).noneMatch(n -> n.endsWith(".tmp"));
        Map<String, JsonNode> listed = new HashMap<>();
        listing.path("checkpoints").forEach(c -> listed.put(c.get("id").asString(), c));
        Set<String> corrupt = new HashSet<>();
        listing.path("corrupt").forEach(c -> corrupt.add(c.get("id").asString()));
        Set<String> manifests = new HashSet<>();
        Map<String, Path> data = new HashMap<>();
        long bytes = 0;
        for (Path file : files) {
            String name = file.getFileName().toString();
            if (name.endsWith(".json")) {
                manifests.add(name.substring(0, name.length() - ".json".length()));
            }
            Matcher matcher = DATA.matcher(name);
            if (matcher.matches()) {
                String owner = matcher.group(1);
                assertThat(listed).as(when + ": " + name + " belongs to no listed checkpoint").containsKey(owner);
                assertThat(data.put(owner, file)).as(when + ": two data files of " + owner).isNull();
                bytes += size(file);
            }
        }
        assertThat(manifests).as(when + ": manifests against the listing")
            .containsExactlyInAnyOrderElementsOf(
                    Stream.concat(listed.keySet().stream(), corrupt.stream()).distinct().toList());
        for (Map.Entry<String, JsonNode> checkpoint : listed.entrySet()) {
            Path file = data.get(checkpoint.getKey());
            assertThat(file).as(when + ": the data of listed checkpoint " + checkpoint.getKey()).isNotNull();
            assertThat(Sha256.hex(read(file))).as(when + ": " + file.getFileName() + " against its manifest")
                .isEqualTo(checkpoint.getValue().get("sha256").asString());
        }
        return new Found(listed.size(), data.size(), bytes);
    }

    /** The temp files in {@code dir} (none when it does not exist). */
    static List<String> tempFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        return files(dir).stream().map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
    }

    private static List<Path> files(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).toList();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
