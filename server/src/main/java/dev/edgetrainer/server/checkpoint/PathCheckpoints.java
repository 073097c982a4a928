package dev.edgetrainer.server.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import dev.edgetrainer.model.io.AtomicFiles;
import dev.edgetrainer.model.runtime.InvalidInputException;
import dev.edgetrainer.model.runtime.ModelException;
import dev.edgetrainer.model.runtime.UnsupportedOpsException;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.WeightsFile;
import dev.edgetrainer.server.model.LoadedModel;

/**
 * A model that writes and reads its checkpoint file itself
 * ({@code save(checkpoint_path)}), in the weights file format of our {@code FlexSave}.
 * The model's restore has the last word on whether a file fits, and puts the weights back
 * when it does not.
 */
final class PathCheckpoints implements ModelCheckpoints {

    private final CheckpointStore store;

    /** What one of the model's checkpoint files takes. */
    private final long fileBytes;

    PathCheckpoints(CheckpointStore store, long fileBytes) {
        this.store = store;
        this.fileBytes = fileBytes;
    }

    @Override
    public CheckpointStyle style() {
        return CheckpointStyle.PATH;
    }

    @Override
    public Taken takeOut(LoadedModel model) {
        Path temp = store.tempFile();
        try {
            model.checkpointer().saveTo(temp);
        }
        catch (ModelException e) {
            throw whenFull(e, "save the weights");
        }
        return (reservation, draft) -> store.commit(reservation, draft, temp);
    }

    /** Through the model's own save, into a temp file its Save kernel writes. */
    @Override
    public Map<String, Tensor> read(LoadedModel model) {
        Path temp = store.tempFile();
        try {
            model.checkpointer().saveTo(temp);
            return WeightsFile.decode(Files.readAllBytes(temp));
        }
        catch (ModelException e) {
            throw whenFull(e, "save the weights");
        }
        catch (IOException e) {
            throw new StorageFailedException("cannot read back the weights the model saved", e);
        }
        finally {
            deleteQuietly(temp);
        }
    }

    /** Through a temp file the model's own restore reads. */
    @Override
    public void write(LoadedModel model, Map<String, Tensor> weights) {
        Path temp = store.tempFile();
        try {
            AtomicFiles.write(temp, WeightsFile.encode(weights));
            restore(model, temp, "the weights");
        }
        catch (IOException e) {
            throw new StorageFailedException("cannot hand the weights to the model", e);
        }
        finally {
            deleteQuietly(temp);
        }
    }

    @Override
    public Readied read(Manifest manifest) {
        store.readVerified(manifest);
        Path file = store.dataFile(manifest);
        return model -> restore(model, file, "checkpoint " + manifest.id());
    }

    private void restore(LoadedModel model, Path file, String checkpoint) {
        try {
            model.checkpointer().restoreFrom(file);
        }
        catch (InvalidInputException | UnsupportedOpsException e) {
            // The server's own call (the path) did not fit, or the runtime lacks an op:
            // no
            // fault of the checkpoint's.
            throw e;
        }
        catch (ModelException e) {
            // The backup of the weights the restore writes first may not fit on the disk;
            // else the model's own restore refused the file (a missing tensor, a wrong
            // dtype or shape) and put the weights back: the checkpoint's fault.
            RuntimeException full = whenFull(e, "back up the weights before restoring " + checkpoint);
            throw full != e ? full : CheckpointRejectedException.doesNotFit("id", checkpoint, e.getMessage());
        }
    }

    private static void deleteQuietly(Path temp) {
        try {
            Files.deleteIfExists(temp);
        }
        catch (IOException ignored) {
            // a temp file: the store removes it with the other leftovers at startup
        }
    }

    /**
     * A 507 when the model could not write its file for lack of space; else the model's
     * own failure.
     */
    private RuntimeException whenFull(ModelException e, String what) {
        long needed = store.space().onDisk(fileBytes);
        long free = store.space().usable();
        return free >= 0 && free < needed ? store.space().full(what, needed, free, e) : e;
    }

}
