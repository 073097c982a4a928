package dev.edgetrainer.server.checkpoint;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.edgetrainer.server.system.EdgeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Free space in the checkpoint directory's file system, and what a failed write means: a
 * full disk (507, the device's problem) or another I/O failure (500). Sizes are counted
 * in whole blocks, as the file system allocates them, so "needs" and "free" compare.
 */
final class StorageSpace {

    private static final Logger log = LoggerFactory.getLogger(StorageSpace.class);

    private static final long DEFAULT_BLOCK = 4096;

    private final Path dir;

    StorageSpace(Path dir) {
        this.dir = dir;
    }

    /** Bytes this process may still write there; -1 when the directory is unusable. */
    long usable() {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        }
        catch (IOException e) {
            return -1;
        }
    }

    /** The size of the file system; -1 when the directory is unusable. */
    long total() {
        try {
            return Files.getFileStore(dir).getTotalSpace();
        }
        catch (IOException e) {
            return -1;
        }
    }

    /** What a file of {@code bytes} takes on disk. */
    long onDisk(long bytes) {
        long block = blockSize();
        return (bytes + block - 1) / block * block;
    }

    private long blockSize() {
        try {
            FileStore store = Files.getFileStore(dir);
            long size = store.getBlockSize();
            return size > 0 ? size : DEFAULT_BLOCK;
        }
        catch (IOException | UnsupportedOperationException e) {
            return DEFAULT_BLOCK;
        }
    }

    /**
     * The exception for a write that failed, after its partial files were removed.
     * @param what what could not be done, e.g. "store checkpoint x1"
     * @param needed bytes on disk the write needed
     */
    EdgeException failure(String what, long needed, IOException cause) {
        long free = usable();
        if (free >= 0 && (free < needed || isNoSpace(cause))) {
            return full(what, needed, free, cause);
        }
        return new StorageFailedException("cannot " + what, cause);
    }

    /** A 507, logged: the operator must hear of a full disk, not only the caller. */
    StorageFullException full(String what, long needed, long free, Throwable cause) {
        StorageFullException full = new StorageFullException(dir, what, needed, free, cause);
        log.warn("{}", full.getMessage());
        return full;
    }

    /**
     * ENOSPC or EDQUOT as Java reports them; the free space alone can mislead when blocks
     * were freed since.
     */
    private static boolean isNoSpace(IOException e) {
        String message = String.valueOf(e.getMessage());
        return message.contains("No space left on device") || message.contains("Disk quota exceeded");
    }

}
