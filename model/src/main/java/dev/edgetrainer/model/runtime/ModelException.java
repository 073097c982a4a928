package dev.edgetrainer.model.runtime;

/**
 * A model could not be loaded or run. The message carries TFLite's own report where there
 * is one.
 */
public class ModelException extends RuntimeException {

    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }

}
