package dev.edgetrainer.model.runtime;

/**
 * The caller's tensors do not fit the signature (unknown or missing name, dtype, shape,
 * size). Nothing reached native memory; the model is unchanged. {@link #field()} names
 * the offending tensor.
 */
public class InvalidInputException extends ModelException {

    private final String field;

    public InvalidInputException(String field, String message) {
        super(message);
        this.field = field;
    }

    public String field() {
        return field;
    }

}
