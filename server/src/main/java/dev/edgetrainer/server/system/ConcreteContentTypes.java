package dev.edgetrainer.server.system;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Refuses a request whose {@code Content-Type} is a wildcard (any type, or any subtype as
 * in {@code image/*}): it names no format, and Spring's body readers failed such a
 * request with a 500 ({@code HostileInputTests}). A type that does not parse is left to
 * Spring, which answers 415.
 */
class ConcreteContentTypes implements HandlerInterceptor {

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        String type = request.getContentType();
        if (type == null) {
            return true;
        }
        try {
            MediaType media = MediaType.parseMediaType(type);
            if (media.isWildcardType() || media.isWildcardSubtype()) {
                throw new UnsupportedContentException("Content-Type",
                        "Content-Type " + type + " names no format; send the body's own type");
            }
        }
        catch (InvalidMediaTypeException e) {
            // Spring's own checks answer it.
        }
        return true;
    }

}
