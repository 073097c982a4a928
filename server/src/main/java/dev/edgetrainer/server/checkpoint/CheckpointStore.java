package dev.edgetrainer.server.checkpoint;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import dev.edgetrainer.model.io.AtomicFiles;
import dev.edgetrainer.model.io.Sha256;
import dev.edgetrainer.model.tensor.CorruptCheckpointException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Checkpoint files in one directory: {@code <id>.weights} (tensor style) or
 * {@code <id>.ckpt} (path style), each with a {@code <id>.json} manifest. Every file is
 * written to a temp name, fsynced, renamed over its final name and the directory fsynced,
 * so a power cut leaves the old state or the new one, never a torn file. A checkpoint
 * exists once its manifest does; the manifest's SHA-256 is checked before any restore or
 * download.
 */
final class CheckpointStore {

    private static final Logger log = LoggerFactory.getLogger(CheckpointStore.class);

    private static final String TEMP_PREFIX = ".tmp-";

    private static final String MANIFEST = ".json";

    private final Path dir;

    private final JsonMapper json;

    CheckpointStore(Path dir, JsonMapper json) {
        this.dir = dir.toAbsolutePath().normalize();
        this.json = json;
    }

    /**
     * Creates the directory and removes temp files a crash left behind. Failures are
     * logged: health shows them.
     */
    void open() {
        try {
            Files.createDirectories(dir);
            // Temp files, ours and AtomicFiles', start with a dot; checkpoint ids never
            // do.
            try (DirectoryStream<Path> temps = Files.newDirectoryStream(dir, ".*")) {
                for (Path temp : temps) {
                    log.info("Removing {} left by an interrupted write", temp.getFileName());
                    Files.deleteIfExists(temp);
                }
            }
        }
        catch (IOException e) {
            log.error("Checkpoint directory {} is not usable: {}", dir, e.toString());
        }
    }

    static String extension(CheckpointStyle style) {
        return style == CheckpointStyle.PATH ? ".ckpt" : ".weights";
    }

    Path dataFile(Manifest manifest) {
        return dir.resolve(CheckpointIds.require(manifest.id(), "id") + extension(manifest.style()));
    }

    /**
     * A checkpoint as found on disk: its manifest, or why it has none that can be used.
     */
    record Listed(String id, Manifest manifest, String problem) {
    }

    /**
     * Every checkpoint, newest first, including broken ones (with a problem) for the
     * restore to report.
     */
    synchronized List<Listed> scan() {
        List<Listed> found = new ArrayList<>();
        try (DirectoryStream<Path> manifests = Files.newDirectoryStream(dir, "*" + MANIFEST)) {
            for (Path file : manifests) {
                String name = file.getFileName().toString();
                String id = name.substring(0, name.length() - MANIFEST.length());
                if (name.startsWith(TEMP_PREFIX) || !CheckpointIds.isId(id)) {
                    continue;
                }
                found.add(read(id, file));
            }
        }
        catch (NoSuchFileException e) {
            return List.of();
        }
        catch (IOException e) {
            throw new StorageFailedException("cannot list the checkpoint directory", e);
        }
        found.sort(
                Comparator
                    .comparing((Listed l) -> l.manifest() == null ? null : l.manifest().createdAt(),
                            Comparator.nullsFirst(Comparator.naturalOrder()))
                    .thenComparing(Listed::id)
                    .reversed());
        return found;
    }

    private Listed read(String id, Path file) {
        try {
            Manifest manifest = json.readValue(Files.readAllBytes(file), Manifest.class);
            if (!id.equals(manifest.id()) || manifest.sha256() == null || manifest.createdAt() == null) {
                return new Listed(id, null, "the manifest does not describe checkpoint " + id);
            }
            return new Listed(id, manifest, null);
        }
        catch (IOException | JacksonException e) {
            return new Listed(id, null, "the manifest cannot be read: " + e.getMessage());
        }
    }

    /** Usable checkpoints, newest first. */
    List<Manifest> list() {
        return scan().stream().map(Listed::manifest).filter(m -> m != null).toList();
    }

    Optional<Manifest> find(String id) {
        CheckpointIds.require(id, "id");
        Path file = dir.resolve(id + MANIFEST);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Listed listed = read(id, file);
        if (listed.manifest() == null) {
            throw new CorruptCheckpointException(listed.problem());
        }
        return Optional.of(listed.manifest());
    }

    Manifest require(String id) {
        return find(id).orElseThrow(() -> new CheckpointNotFoundException("there is no checkpoint '" + id + "'"));
    }

    /**
     * Stores a new checkpoint from its bytes: data file first, then the manifest that
     * makes it visible.
     */
    synchronized Manifest write(Manifest draft, byte[] data) {
        writeAtomically(dataFile(draft), data);
        return publish(draft, data);
    }

    /** A temp path in the directory for a model that writes its checkpoint itself. */
    Path tempFile() {
        return dir.resolve(TEMP_PREFIX + UUID.randomUUID() + ".ckpt");
    }

    /**
     * Stores a file the model wrote to {@link #tempFile()}: fsync, rename, then the
     * manifest.
     */
    synchronized Manifest commit(Manifest draft, Path temp) {
        try {
            byte[] data = Files.readAllBytes(temp);
            force(temp);
            Files.move(temp, dataFile(draft), StandardCopyOption.ATOMIC_MOVE);
            forceDirectory();
            return publish(draft, data);
        }
        catch (IOException e) {
            throw new StorageFailedException("cannot store checkpoint " + draft.id(), e);
        }
    }

    private Manifest publish(Manifest draft, byte[] data) {
        Manifest manifest = new Manifest(draft.id(), draft.createdAt(), Sha256.hex(data), data.length, draft.step(),
                draft.loss(), draft.modelSha256(), draft.style(), draft.origin(), draft.round());
        writeAtomically(dir.resolve(draft.id() + MANIFEST), json.writeValueAsBytes(manifest));
        return manifest;
    }

    /**
     * The data of a checkpoint after checking it against its manifest.
     * @throws CorruptCheckpointException when the file is missing, truncated or altered
     */
    byte[] readVerified(Manifest manifest) {
        Path file = dataFile(manifest);
        byte[] data;
        try {
            data = Files.readAllBytes(file);
        }
        catch (NoSuchFileException e) {
            throw new CorruptCheckpointException("its data file " + file.getFileName() + " is missing");
        }
        catch (IOException e) {
            throw new CorruptCheckpointException("its data file cannot be read: " + e.getMessage());
        }
        if (data.length != manifest.bytes() || !Sha256.hex(data).equals(manifest.sha256())) {
            throw new CorruptCheckpointException(
                    "its data file does not match the SHA-256 in its manifest " + "(corrupt or truncated)");
        }
        return data;
    }

    /**
     * Removes a checkpoint: the manifest first, so it is never listed without its data.
     */
    synchronized void delete(String id) {
        Manifest manifest = require(id);
        try {
            Files.deleteIfExists(dir.resolve(id + MANIFEST));
            Files.deleteIfExists(dataFile(manifest));
            forceDirectory();
        }
        catch (IOException e) {
            throw new StorageFailedException("cannot delete checkpoint " + id, e);
        }
    }

    private void writeAtomically(Path target, byte[] data) {
        try {
            AtomicFiles.write(target, data);
        }
        catch (IOException e) {
            throw new StorageFailedException("cannot write " + target.getFileName(), e);
        }
    }

    private static void force(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    /**
     * Makes the renames durable: without it a power cut can undo a rename the data
     * already depends on.
     */
    private void forceDirectory() throws IOException {
        AtomicFiles.syncDirectory(dir);
    }

}
