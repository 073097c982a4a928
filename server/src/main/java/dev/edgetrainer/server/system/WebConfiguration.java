package dev.edgetrainer.server.system;

import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Puts the bearer token in front of everything that changes the model or its checkpoints.
 * Also binds {@link EdgeProperties} here rather than by scanning, so web slice tests
 * (which load MVC configurers) get them too.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(EdgeProperties.class)
class WebConfiguration implements WebMvcConfigurer {

    static final List<String> PROTECTED = List.of("/train", "/train/**", "/checkpoint/**", "/checkpoints",
            "/checkpoints/**", "/data", "/evaluate", "/federated", "/federated/**");

    private final EdgeProperties.Security security;

    WebConfiguration(EdgeProperties properties) {
        this.security = properties.security();
    }

    /**
     * Keeps {@code %2F} inside a path segment, so {@code /checkpoints/..%2Fx} reaches the
     * checkpoint id check and is answered with a problem (400) instead of Tomcat's HTML
     * error page. Ids never contain a slash.
     */
    @Bean
    TomcatConnectorCustomizer encodedSlashesReachTheIdCheck() {
        return connector -> connector.setEncodedSolidusHandling("passthrough");
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        if (!security.enabled()) {
            return;
        }
        List<String> paths = new ArrayList<>(PROTECTED);
        if (security.protectInfer()) {
            paths.add("/infer");
        }
        registry.addInterceptor(new BearerTokenInterceptor(security.token())).addPathPatterns(paths);
    }

}
