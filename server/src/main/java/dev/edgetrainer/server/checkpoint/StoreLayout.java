package dev.edgetrainer.server.checkpoint;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;

/**
 * The names of the store's files in its directory. A checkpoint is its manifest
 * {@code <id>.json} plus one data file: {@code <id>.weights} (tensor style) or
 * {@code <id>.ckpt} (path style) as first stored, {@code <id>.<sha>.weights} after a
 * replacement (the first 16 hex digits of its SHA-256), so a replacement never overwrites
 * the file its manifest still names. Besides: {@code store.lock}, {@code current.pointer}
 * and temp files {@code .<name>.<uuid>.tmp}. Ids have no dots, so none of these names can
 * be a checkpoint's.
 */
final class StoreLayout {

    static final String MANIFEST = ".json";

    static final String LOCK = "store.lock";

    static final String CURRENT = "current.pointer";

    private static final Pattern DATA = Pattern.compile("([^.]+)(\\.[0-9a-f]{16})?(\\.weights|\\.ckpt)");

    private final Path dir;

    StoreLayout(Path dir) {
        this.dir = dir;
    }

    static String extension(CheckpointStyle style) {
        return style == CheckpointStyle.PATH ? ".ckpt" : ".weights";
    }

    Path dir() {
        return dir;
    }

    Path manifest(String id) {
        return dir.resolve(CheckpointIds.require(id, "id") + MANIFEST);
    }

    /** Where a new checkpoint's data goes. */
    Path firstData(String id, CheckpointStyle style) {
        return dir.resolve(CheckpointIds.require(id, "id") + extension(style));
    }

    /** Where the data of a replacement with this SHA-256 goes. */
    Path replacementData(String id, CheckpointStyle style, String sha256) {
        return dir.resolve(CheckpointIds.require(id, "id") + "." + sha256.substring(0, 16) + extension(style));
    }

    /** The data file a manifest names: its replacement file if there is one. */
    Path data(Manifest manifest) {
        Path replacement = replacementData(manifest.id(), manifest.style(), manifest.sha256());
        return Files.exists(replacement) ? replacement : firstData(manifest.id(), manifest.style());
    }

    /**
     * The checkpoint a file name is data of; empty when it is not named like a data file.
     */
    static Optional<String> dataOwner(String fileName) {
        Matcher matcher = DATA.matcher(fileName);
        return matcher.matches() && CheckpointIds.isId(matcher.group(1)) ? Optional.of(matcher.group(1))
                : Optional.empty();
    }

}
