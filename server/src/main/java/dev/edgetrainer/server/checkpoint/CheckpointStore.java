package dev.edgetrainer.server.checkpoint;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import dev.edgetrainer.model.io.AtomicFiles;
import dev.edgetrainer.model.io.Sha256;
import dev.edgetrainer.model.tensor.CorruptCheckpointException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Checkpoints in one directory ({@link StoreLayout}), owned by one server at a time
 * ({@link DirectoryLock}). Every file is written to a temp name, fsynced, renamed into
 * place and the directory fsynced, so a crash leaves the old state or the new one, never
 * a torn file; a checkpoint exists once its manifest does, and the manifest's SHA-256 is
 * checked before any restore or download. At startup, and only then, what a crash left is
 * removed: the store's own temp files and data files no manifest names; nothing else.
 * <p>
 * An id is reserved before anything is written for it, so two requests can never write
 * one checkpoint, and a checkpoint being written, restored or sent cannot be deleted or
 * replaced meanwhile; nor can the current one. Data files are written outside the store's
 * lock; only reservations, manifests and deletions take it, briefly.
 */
final class CheckpointStore implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CheckpointStore.class);

    private static final int WRITING = -1;

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final Path dir;

    private final StoreLayout layout;

    private final JsonMapper json;

    private final StorageSpace space;

    private final CurrentPointer pointer;

    /** The checkpoint the weights in memory descend from. */
    private final Supplier<String> current;

    /** Per id: {@link #WRITING}, or how many requests read it. Guarded by this. */
    private final Map<String, Integer> inUse = new HashMap<>();

    /** Null until the directory is open. Guarded by this. */
    private DirectoryLock lock;

    /** Why the directory cannot be used; null once it can. Guarded by this. */
    private String problem = "not opened yet";

    private volatile Removed removedAtStartup = new Removed(0, 0);

    /** What startup removed: temp files and data files without a manifest. */
    record Removed(int files, long bytes) {
    }

    /**
     * A checkpoint as found on disk: its manifest, or why it has none that can be used.
     */
    record Listed(String id, Manifest manifest, String problem) {
    }

    CheckpointStore(Path dir, JsonMapper json, Supplier<String> current) {
        this.dir = dir.toAbsolutePath().normalize();
        this.layout = new StoreLayout(this.dir);
        this.json = json;
        this.space = new StorageSpace(this.dir);
        this.pointer = new CurrentPointer(this.dir.resolve(StoreLayout.CURRENT), json, space);
        this.current = current;
    }

    /**
     * Creates and locks the directory and removes what interrupted writes left. Other
     * failures are recorded for health and tried again by the next operation.
     * @throws CheckpointDirectoryLockedException when another server holds the directory
     */
    synchronized void open() {
        if (lock != null) {
            return;
        }
        try {
            Files.createDirectories(dir);
            lock = DirectoryLock.acquire(dir);
        }
        catch (IOException e) {
            problem = e.toString();
            log.error("Checkpoint directory {} is not usable: {}", dir, problem);
            return;
        }
        problem = null;
        try {
            removedAtStartup = removeLeftovers();
        }
        catch (IOException e) {
            // What is left stays until the next start; it is never listed as a
            // checkpoint.
            log.warn("Cannot remove all leftovers of interrupted writes from {}: {}", dir, e.toString());
        }
    }

    private void ensureOpen() {
        open();
        if (lock == null) {
            throw new StorageFailedException("the checkpoint directory " + dir + " is not usable: " + problem);
        }
    }

    /**
     * Temp files of the store's own naming, and data files that no manifest names (the
     * manifest was never written); a data file whose manifest is unreadable stays, for
     * its owner to judge.
     */
    private Removed removeLeftovers() throws IOException {
        int files = 0;
        long bytes = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path file : entries) {
                String name = file.getFileName().toString();
                if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || !isLeftover(file, name)) {
                    continue;
                }
                long size = Files.size(file);
                Files.delete(file);
                log.info("Removed {} ({} bytes), left by an interrupted write", name, size);
                files++;
                bytes += size;
            }
        }
        if (files > 0) {
            AtomicFiles.syncDirectory(dir);
        }
        return new Removed(files, bytes);
    }

    private boolean isLeftover(Path file, String name) {
        if (AtomicFiles.isTempFile(name)) {
            return true;
        }
        Optional<String> owner = StoreLayout.dataOwner(name);
        if (owner.isEmpty()) {
            return false;
        }
        Listed listed = lookup(owner.get());
        if (listed == null) {
            return true;
        }
        return listed.manifest() != null && !layout.data(listed.manifest()).equals(file);
    }

    /** Releases the directory for the next server. */
    @Override
    public synchronized void close() {
        if (lock != null) {
            lock.close();
            lock = null;
        }
    }

    Path dir() {
        return dir;
    }

    StorageSpace space() {
        return space;
    }

    /**
     * Every checkpoint, newest first, including broken ones (with a problem): an
     * unreadable manifest, or a missing data file.
     */
    synchronized List<Listed> scan() {
        ensureOpen();
        List<Listed> found = new ArrayList<>();
        try (DirectoryStream<Path> manifests = Files.newDirectoryStream(dir, "*" + StoreLayout.MANIFEST)) {
            for (Path file : manifests) {
                String name = file.getFileName().toString();
                String id = name.substring(0, name.length() - StoreLayout.MANIFEST.length());
                if (CheckpointIds.isId(id)) {
                    found.add(read(id, file));
                }
            }
        }
        catch (IOException e) {
            throw new StorageFailedException("cannot list the checkpoint directory " + dir, e);
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
        Manifest manifest;
        try {
            manifest = json.readValue(Files.readAllBytes(file), Manifest.class);
        }
        catch (IOException | JacksonException e) {
            return new Listed(id, null, "the manifest cannot be read: " + e.getMessage());
        }
        if (!id.equals(manifest.id()) || manifest.sha256() == null || !SHA256.matcher(manifest.sha256()).matches()
                || manifest.createdAt() == null || manifest.style() == null || manifest.origin() == null) {
            return new Listed(id, null, "the manifest does not describe checkpoint " + id);
        }
        Path data = layout.data(manifest);
        if (!Files.exists(data)) {
            return new Listed(id, null, "its data file " + data.getFileName() + " is missing");
        }
        return new Listed(id, manifest, null);
    }

    /** The checkpoint with this id as found on disk; null when there is none. */
    private Listed lookup(String id) {
        Path file = layout.manifest(id);
        return Files.exists(file) ? read(id, file) : null;
    }

    /** Usable checkpoints, newest first. */
    List<Manifest> list() {
        return scan().stream().map(Listed::manifest).filter(m -> m != null).toList();
    }

    /**
     * @throws CheckpointNotFoundException when there is no such checkpoint
     * @throws CorruptCheckpointException when its manifest is unreadable or its data file
     * missing
     */
    synchronized Manifest require(String id) {
        ensureOpen();
        Listed listed = lookup(id);
        if (listed == null) {
            throw new CheckpointNotFoundException("there is no checkpoint '" + id + "'");
        }
        if (listed.manifest() == null) {
            throw new CorruptCheckpointException(listed.problem());
        }
        return listed.manifest();
    }

    /**
     * A new id for a save, {@code <time>-s<step>}, unique among stored and reserved ones.
     */
    synchronized Reservation reserveNew(Instant time, long step) {
        ensureOpen();
        String id = CheckpointIds.next(time, step,
                candidate -> inUse.containsKey(candidate) || Files.exists(layout.manifest(candidate)));
        inUse.put(id, WRITING);
        return new Reservation(id, null, null);
    }

    /**
     * The id an upload names: new, or, when {@code If-Match} names its version, one to
     * replace.
     * @throws CheckpointExistsException when it exists and no {@code If-Match} was sent
     * @throws PreconditionFailedException when a condition does not hold
     * @throws CheckpointInUseException when it is busy or the current checkpoint
     * @throws CheckpointDamagedException when its manifest cannot be read
     */
    synchronized Reservation reserve(String id, Preconditions conditions) {
        ensureOpen();
        if (inUse.containsKey(id)) {
            throw CheckpointInUseException.busy(id);
        }
        Listed existing = lookup(id);
        if (existing != null && existing.manifest() == null) {
            throw new CheckpointDamagedException(id, existing.problem() + "; delete it first");
        }
        Manifest replacing = existing == null ? null : existing.manifest();
        conditions.check(id, replacing == null ? null : replacing.sha256());
        if (replacing != null && !conditions.hasIfMatch()) {
            throw new CheckpointExistsException(id, replacing.sha256());
        }
        if (replacing != null && id.equals(current.get())) {
            throw CheckpointInUseException.current(id);
        }
        inUse.put(id, WRITING);
        return new Reservation(id, replacing, replacing == null ? null : layout.data(replacing));
    }

    /**
     * Keeps a checkpoint from being deleted or replaced while it is restored or sent.
     * @throws CheckpointNotFoundException when there is no such checkpoint
     * @throws CorruptCheckpointException when its manifest is unreadable
     * @throws CheckpointInUseException while it is being written
     */
    synchronized Pin pin(String id) {
        Manifest manifest = require(id);
        if (inUse.getOrDefault(id, 0) == WRITING) {
            throw CheckpointInUseException.busy(id);
        }
        inUse.merge(id, 1, Integer::sum);
        return new Pin(manifest);
    }

    private synchronized void release(String id, boolean writer) {
        int use = inUse.getOrDefault(id, 0);
        if (writer || use <= 1) {
            inUse.remove(id);
        }
        else {
            inUse.put(id, use - 1);
        }
    }

    /**
     * An id held for writing until closed; for a replacement, with the manifest and data
     * file it replaces.
     */
    final class Reservation implements AutoCloseable {

        private final String id;

        private final Manifest replacing;

        private final Path replacingData;

        private Reservation(String id, Manifest replacing, Path replacingData) {
            this.id = id;
            this.replacing = replacing;
            this.replacingData = replacingData;
        }

        String id() {
            return id;
        }

        boolean replaces() {
            return replacing != null;
        }

        @Override
        public void close() {
            release(id, true);
        }

    }

    /** A checkpoint held for reading until closed. */
    final class Pin implements AutoCloseable {

        private final Manifest manifest;

        private Pin(Manifest manifest) {
            this.manifest = manifest;
        }

        Manifest manifest() {
            return manifest;
        }

        @Override
        public void close() {
            release(manifest.id(), false);
        }

    }

    /**
     * Stores a checkpoint from its bytes under a reservation: the data file, then the
     * manifest that makes it visible (and, for a replacement, the old data file goes).
     * @throws StorageFullException when the disk is full; nothing of it is left
     */
    Manifest write(Reservation reservation, Manifest draft, byte[] data) {
        Manifest manifest = draft.withData(Sha256.hex(data), data.length);
        Path target = reservation.replaces()
                ? layout.replacementData(manifest.id(), manifest.style(), manifest.sha256())
                : layout.firstData(manifest.id(), manifest.style());
        byte[] manifestBytes = json.writeValueAsBytes(manifest);
        try {
            AtomicFiles.write(target, data);
        }
        catch (IOException e) {
            throw space.failure("store checkpoint " + manifest.id(),
                    space.onDisk(data.length) + space.onDisk(manifestBytes.length), e);
        }
        return publish(reservation, manifest, manifestBytes, target);
    }

    /** A temp path for a model that writes its checkpoint file itself. */
    Path tempFile() {
        return AtomicFiles.tempFile(dir.resolve("save.ckpt"));
    }

    /**
     * Stores a file the model wrote to {@link #tempFile()}: fsync, rename into place,
     * then the manifest.
     * @throws StorageFullException when the disk is full; nothing of it is left
     */
    Manifest commit(Reservation reservation, Manifest draft, Path temp) {
        Path target = layout.firstData(reservation.id, draft.style());
        try {
            Manifest manifest;
            try {
                byte[] data = Files.readAllBytes(temp);
                manifest = draft.withData(Sha256.hex(data), data.length);
                try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                    channel.force(true);
                }
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                AtomicFiles.syncDirectory(dir);
            }
            catch (IOException e) {
                deleteQuietly(target);
                throw new StorageFailedException("cannot store checkpoint " + reservation.id, e);
            }
            return publish(reservation, manifest, json.writeValueAsBytes(manifest), target);
        }
        finally {
            deleteQuietly(temp);
        }
    }

    private Manifest publish(Reservation reservation, Manifest manifest, byte[] manifestBytes, Path data) {
        synchronized (this) {
            try {
                AtomicFiles.write(layout.manifest(manifest.id()), manifestBytes);
            }
            catch (IOException e) {
                if (!data.equals(reservation.replacingData)) {
                    deleteQuietly(data);
                }
                throw space.failure("write the manifest of checkpoint " + manifest.id(),
                        space.onDisk(manifestBytes.length), e);
            }
            if (reservation.replaces() && !data.equals(reservation.replacingData)) {
                // A leftover would be removed at the next startup; the new data is
                // already the one the manifest names.
                deleteQuietly(reservation.replacingData);
            }
        }
        return manifest;
    }

    /**
     * Removes a checkpoint just written under {@code reservation} whose save could not be
     * completed.
     */
    synchronized void discard(Reservation reservation) {
        removeFiles(reservation.id);
    }

    /**
     * The data of a checkpoint after checking it against its manifest.
     * @throws CorruptCheckpointException when the file is missing, truncated or altered
     */
    byte[] readVerified(Manifest manifest) {
        Path file = layout.data(manifest);
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
                    "its data file does not match the SHA-256 in its manifest (corrupt or truncated)");
        }
        return data;
    }

    Path dataFile(Manifest manifest) {
        return layout.data(manifest);
    }

    /**
     * Removes a checkpoint, corrupt ones included: the manifest first, so it is never
     * listed without its data.
     * @throws CheckpointInUseException for the current checkpoint or a busy one
     */
    synchronized void delete(String id) {
        ensureOpen();
        if (inUse.containsKey(id)) {
            throw CheckpointInUseException.busy(id);
        }
        if (id.equals(current.get())) {
            throw CheckpointInUseException.current(id);
        }
        if (!Files.exists(layout.manifest(id))) {
            throw new CheckpointNotFoundException("there is no checkpoint '" + id + "'");
        }
        removeFiles(id);
    }

    private void removeFiles(String id) {
        try {
            Files.deleteIfExists(layout.manifest(id));
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, id + ".*")) {
                for (Path file : files) {
                    if (StoreLayout.dataOwner(file.getFileName().toString()).filter(id::equals).isPresent()) {
                        Files.deleteIfExists(file);
                    }
                }
            }
            AtomicFiles.syncDirectory(dir);
        }
        catch (IOException e) {
            throw new StorageFailedException("cannot delete checkpoint " + id, e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        }
        catch (IOException e) {
            log.warn("Cannot remove {}; it is removed at the next startup: {}", file, e.toString());
        }
    }

    /** What the record of the current checkpoint says. */
    CurrentPointer.Recorded readCurrent() {
        return pointer.read();
    }

    /**
     * Records the current checkpoint durably (null: the original weights); on the
     * interpreter thread, in step with the weights.
     * @throws StorageFullException when there is no room for the record
     */
    void writeCurrent(String id) {
        pointer.write(id);
    }

    /**
     * The directory's state for health.
     *
     * @param problem why the directory cannot be used; null when it can
     * @param holder who holds the lock; null while it is not held
     * @param storedBytes the store's own files: manifests, data, lock and record
     */
    record Status(String problem, DirectoryLock.Holder holder, Removed removedAtStartup, int checkpoints, int corrupt,
            long storedBytes) {
    }

    Status status() {
        DirectoryLock.Holder holder;
        String why;
        synchronized (this) {
            open();
            holder = lock == null ? null : lock.holder();
            why = problem;
        }
        if (why != null) {
            return new Status(why, null, removedAtStartup, 0, 0, 0);
        }
        if (!Files.isWritable(dir)) {
            return new Status(dir + " is not writable", holder, removedAtStartup, 0, 0, 0);
        }
        try {
            List<Listed> all = scan();
            int usable = (int) all.stream().filter(l -> l.manifest() != null).count();
            return new Status(null, holder, removedAtStartup, usable, all.size() - usable, storedBytes());
        }
        catch (StorageFailedException e) {
            return new Status(e.getMessage(), holder, removedAtStartup, 0, 0, 0);
        }
    }

    private long storedBytes() {
        long bytes = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                boolean ours = name.endsWith(StoreLayout.MANIFEST) || StoreLayout.dataOwner(name).isPresent()
                        || name.equals(StoreLayout.LOCK) || name.equals(StoreLayout.CURRENT);
                if (ours && Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    bytes += Files.size(file);
                }
            }
        }
        catch (IOException e) {
            // Counted as far as it could be; the status says when the directory fails.
        }
        return bytes;
    }

}
