package dev.edgetrainer.server.system;

/**
 * The input is of a type the hosted model does not take, e.g. images for a tensor model.
 */
public class UnsupportedContentException extends EdgeException {

    public UnsupportedContentException(String field, String detail) {
        super(Kind.UNSUPPORTED_CONTENT, field, detail);
    }

}
