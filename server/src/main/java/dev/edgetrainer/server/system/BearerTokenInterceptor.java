package dev.edgetrainer.server.system;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import dev.edgetrainer.model.io.Sha256;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Requires {@code Authorization: Bearer <edge.security.token>} on the paths it is
 * registered for. Both sides are hashed before the constant-time comparison, so neither
 * the content nor the length of the token leaks through timing.
 */
final class BearerTokenInterceptor implements HandlerInterceptor {

    private static final String PREFIX = "Bearer ";

    private final byte[] expected;

    BearerTokenInterceptor(String token) {
        this.expected = digest(token);
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        String presented = header != null && header.regionMatches(true, 0, PREFIX, 0, PREFIX.length())
                ? header.substring(PREFIX.length()).trim() : "";
        if (!MessageDigest.isEqual(expected, digest(presented))) {
            throw new UnauthorizedException(HttpHeaders.AUTHORIZATION, header == null
                    ? "this endpoint needs 'Authorization: Bearer <token>'" : "the bearer token is not valid");
        }
        return true;
    }

    private static byte[] digest(String value) {
        return Sha256.digest(value.getBytes(StandardCharsets.UTF_8));
    }

}
