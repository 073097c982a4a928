package dev.edgetrainer.server.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.Principal;

import dev.edgetrainer.model.io.Sha256;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.RequestPath;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.HandlerExceptionResolver;

/**
 * Deny by default: with {@code edge.security.token} set, every request needs
 * {@code Authorization: Bearer <token>} unless {@link PublicRequests} lists it. A servlet
 * filter rather than an MVC interceptor, so it also guards Actuator and static resources
 * and answers before Spring MVC's 404 and 405 (which would tell a caller without the
 * token which paths and methods exist). The refusal goes to Spring's exception resolvers,
 * so {@link ProblemHandler} writes it like every other error.
 * <p>
 * Token holders (everyone when no token is configured) get a principal on the request:
 * Actuator shows health details ({@code show-details: when-authorized}) to requests with
 * a principal, without Spring Security.
 */
@Component
@Order(BearerTokenFilter.ORDER)
class BearerTokenFilter extends OncePerRequestFilter {

    /**
     * After Spring's character encoding and observation filters (so refusals are
     * measured), before anything that reads the body.
     */
    static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 10;

    private static final String PREFIX = "Bearer ";

    private static final Principal TOKEN_HOLDER = () -> "token-holder";

    /** SHA-256 of the token; null when none is configured. */
    private final byte[] expected;

    private final PublicRequests publicRequests;

    private final HandlerExceptionResolver errors;

    BearerTokenFilter(EdgeProperties properties,
            @Qualifier("handlerExceptionResolver") HandlerExceptionResolver errors) {
        EdgeProperties.Security security = properties.security();
        this.expected = security.enabled() ? digest(security.token()) : null;
        this.publicRequests = new PublicRequests(security.protectInfer());
        this.errors = errors;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (expected == null || MessageDigest.isEqual(expected, digest(presented(header)))) {
            chain.doFilter(new TokenHolderRequest(request), response);
        }
        else if (publicRequests.allows(request.getMethod(),
                RequestPath.parse(request.getRequestURI(), request.getContextPath()).pathWithinApplication())) {
            chain.doFilter(request, response);
        }
        else {
            UnauthorizedException refusal = new UnauthorizedException(HttpHeaders.AUTHORIZATION, (header == null)
                    ? "this endpoint needs 'Authorization: Bearer <token>'" : "the bearer token is not valid");
            if (errors.resolveException(request, response, null, refusal) == null) {
                // Only when writing the problem itself failed.
                response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
            }
        }
    }

    private static String presented(String header) {
        return (header != null && header.regionMatches(true, 0, PREFIX, 0, PREFIX.length()))
                ? header.substring(PREFIX.length()).trim() : "";
    }

    /**
     * Both sides are hashed before the constant-time comparison, so neither the content
     * nor the length of the token leaks through timing.
     */
    private static byte[] digest(String value) {
        return Sha256.digest(value.getBytes(StandardCharsets.UTF_8));
    }

    private static final class TokenHolderRequest extends HttpServletRequestWrapper {

        TokenHolderRequest(HttpServletRequest request) {
            super(request);
        }

        @Override
        public Principal getUserPrincipal() {
            return TOKEN_HOLDER;
        }

    }

}
