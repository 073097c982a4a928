package dev.edgetrainer.model.data;

/** An IDX file is malformed. The message names the source and what was wrong with it. */
public class IdxFormatException extends IllegalArgumentException {

    public IdxFormatException(String message) {
        super(message);
    }

    public IdxFormatException(String message, Throwable cause) {
        super(message, cause);
    }

}
