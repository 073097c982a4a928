package dev.edgetrainer.server.system;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.core.annotation.Order;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * Refuses a request whose {@code Content-Type} is a wildcard (any type, or any subtype as
 * in {@code image/*}) with a 415 problem: it names no format, and Spring's body readers
 * and Actuator failed such requests with a 500 ({@code HostileInputTests}). A filter, so
 * Actuator's endpoints are covered too, after the token check (401 first); a type that
 * does not parse is left to Spring.
 */
@Component
@Order(BearerTokenFilter.ORDER + 1)
class ConcreteContentTypes extends OncePerRequestFilter {

    private final HandlerExceptionResolver errors;

    ConcreteContentTypes(@Qualifier("handlerExceptionResolver") HandlerExceptionResolver errors) {
        this.errors = errors;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String type = request.getContentType();
        if (type != null && isWildcard(type)) {
            UnsupportedContentException refusal = new UnsupportedContentException("Content-Type",
                    "Content-Type " + type + " names no format; send the body's own type");
            if (errors.resolveException(request, response, null, refusal) == null) {
                response.setStatus(HttpServletResponse.SC_UNSUPPORTED_MEDIA_TYPE);
            }
            return;
        }
        chain.doFilter(request, response);
    }

    private static boolean isWildcard(String type) {
        try {
            MediaType media = MediaType.parseMediaType(type);
            return media.isWildcardType() || media.isWildcardSubtype();
        }
        catch (InvalidMediaTypeException e) {
            return false;
        }
    }

}
