package dev.edgetrainer.server.system;

/** The request did not carry the credentials this endpoint needs. */
public class UnauthorizedException extends EdgeException {

    public UnauthorizedException(String field, String detail) {
        super(Kind.UNAUTHORIZED, field, detail);
    }

}
