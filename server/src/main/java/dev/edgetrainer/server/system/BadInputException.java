package dev.edgetrainer.server.system;

/**
 * The caller's input is malformed or out of range; {@link #field()} names the culprit.
 */
public class BadInputException extends EdgeException {

    public BadInputException(String field, String detail) {
        super(Kind.INVALID_INPUT, field, detail);
    }

}
