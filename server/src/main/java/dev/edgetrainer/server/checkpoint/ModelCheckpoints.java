package dev.edgetrainer.server.checkpoint;

import java.util.Map;
import java.util.Optional;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.WeightsFile;
import dev.edgetrainer.server.model.LoadedModel;
import dev.edgetrainer.server.model.ModelEngine;

/**
 * How the hosted model's weights leave and re-enter the interpreter: one implementation
 * per {@link CheckpointStyle}, chosen once from the model. The interpreter thread only
 * copies weights out or in; hashing and disk I/O (an fsync on an SD card can take tens of
 * milliseconds) happen on the caller's thread.
 */
interface ModelCheckpoints {

    /** The implementation for the hosted model; empty when it cannot checkpoint. */
    static Optional<ModelCheckpoints> forModel(ModelEngine engine, CheckpointStore store) {
        return switch (engine.info().checkpointStyle()) {
            case TENSORS -> Optional.of(new TensorCheckpoints(store));
            case PATH -> Optional.of(new PathCheckpoints(store, WeightsFile.size(engine.info().weights())));
            case NONE -> Optional.empty();
        };
    }

    CheckpointStyle style();

    /**
     * On the interpreter thread: copies the current weights out of the model.
     * @return what stores them, off the interpreter thread
     */
    Taken takeOut(LoadedModel model);

    /**
     * Off the interpreter thread: reads a stored checkpoint and checks it against its
     * manifest.
     * @return what puts the weights into the model, on the interpreter thread
     * @throws dev.edgetrainer.model.tensor.CorruptCheckpointException when the file fails
     * verification or does not decode
     */
    Readied read(Manifest manifest);

    /**
     * On the interpreter thread: the weights now in the model, by name, copied out.
     */
    Map<String, Tensor> read(LoadedModel model);

    /**
     * On the interpreter thread: puts weights that were checked against {@link #read}'s
     * names, dtypes and shapes into the model.
     * @throws CheckpointRejectedException when the model refuses them; it is unchanged
     */
    void write(LoadedModel model, Map<String, Tensor> weights);

    /** Weights taken out of the model, not yet stored. */
    interface Taken {

        /**
         * Stores the weights under a reserved id; returns the manifest written.
         * @throws StorageFullException when the disk is full; nothing of it is left
         */
        Manifest store(CheckpointStore.Reservation reservation, Manifest draft);

    }

    /** A verified checkpoint, ready to go into the model. */
    interface Readied {

        /**
         * @throws CheckpointRejectedException when the model refuses the weights; it is
         * unchanged
         */
        void putInto(LoadedModel model);

    }

}
