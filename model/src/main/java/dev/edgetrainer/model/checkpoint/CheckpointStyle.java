package dev.edgetrainer.model.checkpoint;

/** How a model hands out and takes back its learned weights. */
public enum CheckpointStyle {

    /**
     * {@code save()} returns the weights as named tensors and {@code restore(...)} takes
     * them back.
     */
    TENSORS,
    /**
     * {@code save(checkpoint_path)} and {@code restore(checkpoint_path)} write and read a
     * file themselves.
     */
    PATH,
    /** The model has no save/restore signatures this runtime recognises. */
    NONE

}
