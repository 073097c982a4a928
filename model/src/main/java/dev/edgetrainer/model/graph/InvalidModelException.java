package dev.edgetrainer.model.graph;

/** A model breaks a structural rule the TFLite interpreter relies on without checking. */
public class InvalidModelException extends IllegalArgumentException {

    public InvalidModelException(String message) {
        super(message);
    }

}
