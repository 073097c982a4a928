package dev.edgetrainer.server.checkpoint;

import dev.edgetrainer.server.system.BadInputException;

/**
 * Checks a checkpoint file from another device before it is stored: a plain new id, a
 * body, and (as far as the style allows) weights that decode and fit this model. A file
 * that fails is never written, so it can neither be restored nor spread further.
 */
final class UploadVerifier {

    private final CheckpointStore store;

    private final ModelCheckpoints checkpoints;

    UploadVerifier(CheckpointStore store, ModelCheckpoints checkpoints) {
        this.store = store;
        this.checkpoints = checkpoints;
    }

    /**
     * @throws BadInputException for an id that is not a plain name, or an empty body
     * @throws CheckpointExistsException when the id is taken
     * @throws CheckpointRejectedException when the file does not decode or fit
     */
    void verify(String id, byte[] data) {
        CheckpointIds.require(id, "id");
        if (store.find(id).isPresent()) {
            throw new CheckpointExistsException(id);
        }
        if (data == null || data.length == 0) {
            throw new BadInputException("file", "the body is empty; send the checkpoint file");
        }
        checkpoints.checkUpload(data);
    }

}
