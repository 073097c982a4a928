package dev.edgetrainer.server.system;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Binds {@link EdgeProperties} here rather than by scanning: as a
 * {@link WebMvcConfigurer} this class is loaded by web slice tests too, so they get the
 * properties (and {@link BearerTokenFilter}, which needs them).
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(EdgeProperties.class)
class WebConfiguration implements WebMvcConfigurer {

    /**
     * Keeps {@code %2F} inside a path segment, so {@code /checkpoints/..%2Fx} reaches the
     * checkpoint id check and is answered with a problem (400) instead of Tomcat's HTML
     * error page. Ids never contain a slash.
     */
    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new ConcreteContentTypes());
    }

    @Bean
    TomcatConnectorCustomizer encodedSlashesReachTheIdCheck() {
        return connector -> connector.setEncodedSolidusHandling("passthrough");
    }

}
