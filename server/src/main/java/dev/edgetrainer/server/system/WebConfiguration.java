package dev.edgetrainer.server.system;

import java.util.ArrayList;
import java.util.List;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/** Puts the bearer token in front of everything that changes the model or its checkpoints. */
@Configuration(proxyBeanMethods = false)
class WebConfiguration implements WebMvcConfigurer {

    static final List<String> PROTECTED = List.of("/train", "/train/**", "/checkpoint/**", "/checkpoints",
            "/checkpoints/**");

    private final EdgeProperties.Security security;

    WebConfiguration(EdgeProperties properties) {
        this.security = properties.security();
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
