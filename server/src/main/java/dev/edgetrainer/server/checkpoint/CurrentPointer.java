package dev.edgetrainer.server.checkpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

import dev.edgetrainer.model.io.AtomicFiles;
import dev.edgetrainer.model.io.Sha256;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The durable record of the current checkpoint ({@code current.pointer}): the checkpoint
 * the weights in memory descend from, or none for the model file's own weights, so that a
 * restart resumes from what the device last ran, a rollback or a reset included. A line
 * of JSON and a line with its SHA-256, replaced atomically; written only on the
 * interpreter thread, in step with the weights.
 */
final class CurrentPointer {

    /**
     * What the record says.
     *
     * @param present false in a new directory or one from before the record existed
     * @param checkpoint the id; null for the original weights
     * @param problem why the record cannot be used; null when it can
     */
    record Recorded(boolean present, String checkpoint, String problem) {

        static final Recorded ABSENT = new Recorded(false, null, null);

        boolean usable() {
            return present && problem == null;
        }

    }

    private record Content(String checkpoint) {
    }

    private static final String CHECKSUM = "sha256=";

    private final Path file;

    private final JsonMapper json;

    private final StorageSpace space;

    /** What the file holds as far as this process knows; null until read or written. */
    private volatile Recorded last;

    CurrentPointer(Path file, JsonMapper json, StorageSpace space) {
        this.file = file;
        this.json = json;
        this.space = space;
    }

    Recorded read() {
        Recorded recorded;
        try {
            String[] lines = Files.readString(file, StandardCharsets.UTF_8).split("\n");
            if (lines.length != 2
                    || !lines[1].equals(CHECKSUM + Sha256.hex(lines[0].getBytes(StandardCharsets.UTF_8)))) {
                recorded = new Recorded(true, null, "its checksum does not match (corrupt or truncated)");
            }
            else {
                Content content = json.readValue(lines[0], Content.class);
                recorded = content.checkpoint() == null || CheckpointIds.isId(content.checkpoint())
                        ? new Recorded(true, content.checkpoint(), null)
                        : new Recorded(true, null, "'" + content.checkpoint() + "' is not a checkpoint id");
            }
        }
        catch (NoSuchFileException e) {
            recorded = Recorded.ABSENT;
        }
        catch (IOException | JacksonException e) {
            recorded = new Recorded(true, null, "it cannot be read: " + e.getMessage());
        }
        last = recorded;
        return recorded;
    }

    /**
     * Records {@code checkpoint} (null: the original weights) durably; nothing is written
     * when the record says so already.
     * @throws StorageFullException when there is no room for it; the old record stands
     */
    void write(String checkpoint) {
        Recorded known = last;
        if (known != null && known.usable() && Objects.equals(known.checkpoint(), checkpoint)) {
            return;
        }
        String line = json.writeValueAsString(new Content(checkpoint));
        byte[] content = (line + "\n" + CHECKSUM + Sha256.hex(line.getBytes(StandardCharsets.UTF_8)) + "\n")
            .getBytes(StandardCharsets.UTF_8);
        try {
            AtomicFiles.write(file, content);
        }
        catch (IOException e) {
            // The old record may or may not still be there: read it again next time.
            last = null;
            throw space.failure("record the current checkpoint", space.onDisk(content.length), e);
        }
        last = new Recorded(true, checkpoint, null);
    }

}
