package dev.edgetrainer.model.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.regex.Pattern;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;

/**
 * Durable file replacement: write a temp file beside the target, fsync it, rename it over
 * the target, fsync the directory. A crash leaves either the old file or the new one,
 * never a torn one.
 */
public final class AtomicFiles {

    private AtomicFiles() {
    }

    /**
     * The names {@link #tempFile} makes: {@code .<target name>.<random UUID>.tmp}.
     * Nothing else is named so, so a directory's owner can remove what a crash left
     * without touching anybody else's dot files.
     */
    private static final Pattern TEMP_NAME = Pattern
        .compile("\\..+\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\.tmp");

    public static void write(Path target, byte[] content) throws IOException {
        Path absolute = target.toAbsolutePath();
        // Not Files.createTempFile: its owner-only permissions would carry over to the
        // published file.
        Path temp = tempFile(absolute);
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(temp, absolute, ATOMIC_MOVE, REPLACE_EXISTING);
        }
        catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(temp);
            }
            catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        syncDirectory(absolute.getParent());
    }

    /**
     * A new temp file name beside {@code target}, for content that is renamed to
     * {@code target} once complete; it matches {@link #isTempFile}.
     */
    public static Path tempFile(Path target) {
        Path absolute = target.toAbsolutePath();
        return absolute.resolveSibling("." + absolute.getFileName() + "." + UUID.randomUUID() + ".tmp");
    }

    /** Whether {@code fileName} is a name {@link #tempFile} makes. */
    public static boolean isTempFile(String fileName) {
        return TEMP_NAME.matcher(fileName).matches();
    }

    /** Makes a rename or delete in {@code directory} durable. */
    public static void syncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

}
