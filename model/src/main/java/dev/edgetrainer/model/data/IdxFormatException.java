package dev.edgetrainer.model.data;

/**
 * An IDX file is malformed. The message names the source and what was wrong with it;
 * {@link #source()} is that name alone, so a server can blame the upload part it came in.
 */
public class IdxFormatException extends IllegalArgumentException {

    private final String source;

    public IdxFormatException(String source, String message) {
        super(message);
        this.source = source;
    }

    public IdxFormatException(String source, String message, Throwable cause) {
        super(message, cause);
        this.source = source;
    }

    /** The name the file was read under: a path, or the name a caller gave a stream. */
    public String source() {
        return source;
    }

}
