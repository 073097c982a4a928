package dev.edgetrainer.server.system;

/**
 * The input is larger than a configured limit lets this device take: more samples, parts
 * or memory than a request may use.
 */
public class InputTooLargeException extends EdgeException {

    public InputTooLargeException(String field, String detail) {
        super(Kind.TOO_LARGE, field, detail);
    }

}
