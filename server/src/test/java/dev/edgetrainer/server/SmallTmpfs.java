package dev.edgetrainer.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.junit.jupiter.api.Assumptions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real, small file system for full-disk tests: a tmpfs mounted under a test's
 * directory, and a filler file that leaves exactly as many 4 KB pages free as a step
 * needs. Mounting needs root (CI runs the tests as root); without it the test is skipped
 * and says why.
 */
public final class SmallTmpfs implements AutoCloseable {

    public static final int PAGE = 4096;

    private final Path mount;

    private final Path filler;

    private SmallTmpfs(Path mount) {
        this.mount = mount;
        this.filler = mount.resolve("filler");
    }

    /**
     * Mounts a tmpfs of {@code size} (as mount's {@code size=}, e.g. 600k) at
     * {@code dir/small}.
     */
    public static SmallTmpfs mount(Path dir, String size) throws IOException, InterruptedException {
        Path mount = Files.createDirectories(dir.resolve("small"));
        Process process = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", mount.toString())
            .redirectErrorStream(true)
            .start();
        String said = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        Assumptions.assumeTrue(process.waitFor() == 0, "a real full disk needs a tmpfs, and mounting one needs root "
                + "(CI runs the tests as root); mount said: " + said);
        return new SmallTmpfs(mount);
    }

    public Path path() {
        return mount;
    }

    /** Fills the tmpfs until exactly {@code pages} pages are free. */
    public void leaveFree(int pages) throws IOException {
        Files.deleteIfExists(filler);
        FileStore store = Files.getFileStore(mount);
        long fill = store.getUsableSpace() - (long) pages * PAGE;
        try (FileChannel channel = FileChannel.open(filler, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer zeros = ByteBuffer.allocate(PAGE);
            for (long written = 0; written < fill; written += PAGE) {
                zeros.clear();
                channel.write(zeros);
            }
        }
        assertThat(store.getUsableSpace()).isEqualTo((long) pages * PAGE);
    }

    /** Removes the filler: the space is back. */
    public void free() throws IOException {
        Files.deleteIfExists(filler);
    }

    /**
     * Remounts the file system read-only, or writable again, as a failing SD card would.
     */
    public void readOnly(boolean readOnly) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("mount", "-o", "remount," + (readOnly ? "ro" : "rw"), mount.toString())
            .inheritIO()
            .start();
        assertThat(process.waitFor()).as("remount " + mount).isZero();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        new ProcessBuilder("umount", "-l", mount.toString()).inheritIO().start().waitFor();
    }

}
