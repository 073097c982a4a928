package dev.edgetrainer.server.system;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.springframework.http.HttpMethod;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * The allow-list: the only requests anyone may make when {@code edge.security.token} is
 * set. Every other request, including ones no handler maps, needs the token. Paths are
 * matched with the parser Spring MVC routes with, so the list and the handler mappings
 * read a path the same way.
 */
final class PublicRequests {

    /**
     * Read-only for anyone: health (with its liveness and readiness groups; details only
     * for token holders), info, the Prometheus scrape, the OpenAPI document and Swagger
     * UI, and the dashboard's page and static assets.
     */
    static final List<String> READABLE = List.of("/actuator/health/**", "/actuator/info", "/actuator/prometheus",
            "/v3/api-docs/**", "/v3/api-docs.yaml", "/swagger-ui.html", "/swagger-ui/**", "/", "/index.html",
            "/webjars/**", "/dashboard/**");

    /** Open to anyone unless {@code edge.security.protect-infer}. */
    static final String INFER = "/infer";

    private static final Set<HttpMethod> READ = Set.of(HttpMethod.GET, HttpMethod.HEAD);

    private final List<Rule> rules = new ArrayList<>();

    PublicRequests(boolean protectInfer) {
        for (String path : READABLE) {
            rules.add(new Rule(READ, PathPatternParser.defaultInstance.parse(path)));
        }
        if (!protectInfer) {
            rules.add(new Rule(null, PathPatternParser.defaultInstance.parse(INFER)));
        }
    }

    boolean allows(String method, PathContainer path) {
        HttpMethod httpMethod = HttpMethod.valueOf(method);
        return rules.stream().anyMatch(rule -> rule.allows(httpMethod, path));
    }

    /**
     * @param methods null for any method
     */
    private record Rule(Set<HttpMethod> methods, PathPattern pattern) {

        boolean allows(HttpMethod method, PathContainer path) {
            return (methods == null || methods.contains(method)) && pattern.matches(path);
        }

    }

}
