package dev.edgetrainer.server.checkpoint;

import java.util.Map;

import dev.edgetrainer.model.runtime.InvalidInputException;
import dev.edgetrainer.model.tensor.CorruptCheckpointException;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.WeightsFile;
import dev.edgetrainer.server.model.ModelEngine;
import dev.edgetrainer.server.model.TaskKind;
import dev.edgetrainer.server.system.BadInputException;

/**
 * Checks a checkpoint file from another device before it is stored: a weights file
 * (format and checksum) whose tensors have the names, dtypes and shapes this model's
 * checkpoints hold, whichever the style: a path-style model's {@code FlexSave} writes the
 * same format. A file that fails is never written, so it can neither be restored nor
 * spread further.
 */
final class UploadVerifier {

    private final ModelEngine engine;

    UploadVerifier(ModelEngine engine) {
        this.engine = engine;
    }

    /**
     * @throws BadInputException for an id that is not a plain name, or an empty body
     */
    static void checkRequest(String id, byte[] data) {
        CheckpointIds.require(id, "id");
        if (data == null || data.length == 0) {
            throw new BadInputException("file", "the body is empty; send the checkpoint file");
        }
    }

    /**
     * @throws CheckpointRejectedException when the file does not decode or fit
     */
    void checkContent(byte[] data) {
        Map<String, Tensor> weights;
        try {
            weights = WeightsFile.decode(data);
        }
        catch (CorruptCheckpointException e) {
            throw new CheckpointRejectedException("file", "not a valid weights file: " + e.getMessage());
        }
        try {
            // The check only reads the signatures, but the checkpointer belongs to the
            // interpreter thread.
            ModelEngine.await(engine.submit(TaskKind.CHECKPOINT, model -> {
                model.checkpointer().check(weights);
                return null;
            }));
        }
        catch (InvalidInputException e) {
            throw CheckpointRejectedException.doesNotFit(e.field(), "the checkpoint", e.getMessage());
        }
    }

}
