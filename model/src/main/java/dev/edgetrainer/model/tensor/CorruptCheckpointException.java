package dev.edgetrainer.model.tensor;

/** A checkpoint file failed its checksum or does not have the structure it claims. */
public class CorruptCheckpointException extends IllegalArgumentException {

    public CorruptCheckpointException(String message) {
        super(message);
    }

}
