package dev.edgetrainer.server.checkpoint;

import java.nio.file.Path;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import dev.edgetrainer.model.runtime.InvalidInputException;
import dev.edgetrainer.model.runtime.ModelException;
import dev.edgetrainer.model.runtime.UnsupportedOpsException;
import dev.edgetrainer.server.model.LoadedModel;

/**
 * A model that writes and reads its checkpoint file itself
 * ({@code save(checkpoint_path)}). The file's format is the model's own, so only its
 * restore can tell whether it fits.
 */
final class PathCheckpoints implements ModelCheckpoints {

    private final CheckpointStore store;

    PathCheckpoints(CheckpointStore store) {
        this.store = store;
    }

    @Override
    public CheckpointStyle style() {
        return CheckpointStyle.PATH;
    }

    @Override
    public Taken takeOut(LoadedModel model) {
        Path temp = store.tempFile();
        model.checkpointer().saveTo(temp);
        return draft -> store.commit(draft, temp);
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
                // The model's own restore refused the file (a missing tensor, a wrong
                // dtype or shape); the weights were put back, so this is the
                // checkpoint's fault, not the server's.
                throw CheckpointRejectedException.doesNotFit("id", checkpoint, e.getMessage());
            }
        };
    }

    @Override
    public void checkUpload(byte[] data) {
        // Nothing to check before a restore tries it; the checksum guards it from then
        // on.
    }

}
