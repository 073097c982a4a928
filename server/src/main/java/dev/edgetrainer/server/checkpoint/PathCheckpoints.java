package dev.edgetrainer.server.checkpoint;

import java.nio.file.Path;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import dev.edgetrainer.model.runtime.InvalidInputException;
import dev.edgetrainer.model.runtime.ModelException;
import dev.edgetrainer.model.runtime.UnsupportedOpsException;
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

    @Override
    public Readied read(Manifest manifest) {
        store.readVerified(manifest);
        Path file = store.dataFile(manifest);
        return model -> {
            String checkpoint = "checkpoint " + manifest.id();
            try {
                model.checkpointer().restoreFrom(file);
            }
            catch (InvalidInputException | UnsupportedOpsException e) {
                // The server's own call (the path) did not fit, or the runtime lacks an
                // op:
                // no fault of the checkpoint's.
                throw e;
            }
            catch (ModelException e) {
                // The backup of the weights the restore writes first may not fit on the
                // disk; else the model's own restore refused the file (a missing tensor,
                // a
                // wrong dtype or shape) and put the weights back: the checkpoint's fault.
                RuntimeException full = whenFull(e, "back up the weights before restoring " + checkpoint);
                throw full != e ? full : CheckpointRejectedException.doesNotFit("id", checkpoint, e.getMessage());
            }
        };
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
