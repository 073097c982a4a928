package dev.edgetrainer.server.system;

/**
 * A request body did not arrive fast enough: it would hold its connection and its memory
 * for longer than any client on a working network needs.
 */
class BodyTooSlowException extends EdgeException {

    BodyTooSlowException(String detail) {
        super(Kind.TOO_SLOW, "body", detail);
    }

}
