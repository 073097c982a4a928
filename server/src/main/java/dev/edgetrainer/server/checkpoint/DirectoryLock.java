package dev.edgetrainer.server.checkpoint;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An exclusive lock on a checkpoint directory, held for the server's lifetime: an OS file
 * lock ({@code fcntl}) on {@code store.lock}, released by the kernel when the process
 * dies however it dies, so a stale file never blocks a restart. The file says who holds
 * it (pid, host, since), for the message a second server gives when it refuses to start.
 */
final class DirectoryLock implements AutoCloseable {

    /**
     * The holder of a directory's lock.
     *
     * @param pid null when the lock file cannot be read
     */
    record Holder(Long pid, String host, Instant since) {

        static Holder ofThisProcess() {
            ProcessHandle self = ProcessHandle.current();
            return new Holder(self.pid(), hostName(), self.info().startInstant().orElse(Instant.now()));
        }

        @Override
        public String toString() {
            return pid == null ? "an unknown process" : "pid " + pid + " on " + host + ", running since " + since;
        }

    }

    /**
     * Directories this JVM holds: a second lock attempt from the same process must not
     * even open the file, since closing any channel to it would drop the process's lock.
     */
    private static final Map<Path, Holder> HELD_HERE = new ConcurrentHashMap<>();

    private final Path dir;

    private final FileChannel channel;

    private final FileLock lock;

    private final Holder holder;

    private DirectoryLock(Path dir, FileChannel channel, FileLock lock, Holder holder) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
        this.holder = holder;
    }

    /**
     * Locks {@code dir}, which must exist.
     * @throws CheckpointDirectoryLockedException when another server holds it
     * @throws IOException when the lock file cannot be created or written
     */
    static DirectoryLock acquire(Path dir) throws IOException {
        Path key = dir.toRealPath();
        Holder self = Holder.ofThisProcess();
        Holder here = HELD_HERE.putIfAbsent(key, self);
        if (here != null) {
            throw new CheckpointDirectoryLockedException(dir, here + ", in this same process");
        }
        Path file = dir.resolve(StoreLayout.LOCK);
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            }
            catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                throw new CheckpointDirectoryLockedException(dir, readHolder(file).toString());
            }
            byte[] content = ("pid=" + self.pid() + "\nhost=" + self.host() + "\nsince=" + self.since() + "\n")
                .getBytes(StandardCharsets.UTF_8);
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(content), 0);
            channel.force(true);
            return new DirectoryLock(key, channel, lock, self);
        }
        catch (IOException | RuntimeException e) {
            HELD_HERE.remove(key);
            if (channel != null) {
                channel.close();
            }
            throw e;
        }
    }

    private static Holder readHolder(Path file) {
        Properties properties = new Properties();
        try (var reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
            return new Holder(Long.valueOf(properties.getProperty("pid")), properties.getProperty("host"),
                    Instant.parse(properties.getProperty("since")));
        }
        catch (IOException | RuntimeException e) {
            // Being written by its holder just now, or not written by a server at all.
            return new Holder(null, null, null);
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        }
        catch (IOException e) {
            return "an unknown host";
        }
    }

    Holder holder() {
        return holder;
    }

    /** Releases the lock; the file stays, naming the last holder. */
    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        }
        catch (IOException e) {
            // Closing the channel releases the lock whatever the error.
        }
        finally {
            HELD_HERE.remove(dir);
        }
    }

}
