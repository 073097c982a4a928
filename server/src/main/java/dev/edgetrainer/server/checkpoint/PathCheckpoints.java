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

    /** Through the model's own save, into a temp file of this runtime's Save kernel. */
    @Override
    public Map<String, Tensor> read(LoadedModel model) {
        Path temp = store.tempFile();
        try {
            model.checkpointer().saveTo(temp);
            return WeightsFile.decode(Files.readAllBytes(temp));
        }
        catch (IOException e) {
            throw new StorageFailedException("cannot read back the weights the model saved", e);
        }
        finally {
            deleteQuietly(temp);
        }
    }

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

    private static void deleteQuietly(Path temp) {
        try {
            Files.deleteIfExists(temp);
        }
        catch (IOException ignored) {
            // a dot file: the store removes it with the other leftovers at startup
        }
    }

    @Override
    public Readied read(Manifest manifest) {
        store.readVerified(manifest);
        Path file = store.dataFile(manifest);
        return model -> restore(model, file, "checkpoint " + manifest.id());
    }

    private static void restore(LoadedModel model, Path file, String checkpoint) {
        try {
            model.checkpointer().restoreFrom(file);
        }
        catch (InvalidInputException e) {
            throw CheckpointRejectedException.doesNotFit(e.field(), checkpoint, e.getMessage());
        }
        catch (UnsupportedOpsException e) {
            throw e;
        }
        catch (ModelException e) {
            // The model's own restore refused the file (a missing tensor, a wrong dtype
            // or
            // shape); the weights were put back, so this is the checkpoint's fault, not
            // the server's.
            throw CheckpointRejectedException.doesNotFit("id", checkpoint, e.getMessage());
        }
    }

    @Override
    public void checkUpload(byte[] data) {
        // Nothing to check before a restore tries it; the checksum guards it from then
        // on.
    }

}
