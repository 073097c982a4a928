package dev.edgetrainer.server.system;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.apache.coyote.http11.AbstractHttp11Protocol;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Binds {@link EdgeProperties} here rather than by scanning: as a
 * {@link WebMvcConfigurer} this class is loaded by web slice tests too, so they get the
 * properties (and {@link BearerTokenFilter}, which needs them). Registers the
 * {@link BodyCollector} and tunes Tomcat for a device that must stay reachable.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(EdgeProperties.class)
class WebConfiguration implements WebMvcConfigurer {

    private final EdgeProperties properties;

    private final BodyCollector bodies;

    WebConfiguration(EdgeProperties properties, ApplicationContext context,
            @Qualifier("handlerExceptionResolver") ObjectProvider<HandlerExceptionResolver> errors,
            ObjectProvider<DispatcherServlet> dispatcher) {
        this.properties = properties;
        // The resolver and the servlet are built from the configurers, this one included:
        // looked up when first needed.
        HandlerExceptionResolver lazyErrors = (request, response, handler, e) -> errors.getObject()
            .resolveException(request, response, handler, e);
        // A quarter of Tomcat's threads may wait for the first bytes of a body after a
        // 100
        // Continue; the rest stay free for everyone else.
        int threads = context.getEnvironment().getProperty("server.tomcat.threads.max", Integer.class, 200);
        this.bodies = new BodyCollector(properties, context instanceof WebServerApplicationContext, lazyErrors,
                dispatcher::getObject, Math.max(1, threads / 4));
    }

    /** Heap for what requests receive and decode, all together. */
    @Bean
    MemoryBudget memoryBudget() {
        return new MemoryBudget(properties.limits().requestMemoryBytes(), properties.queue().retryAfter());
    }

    /** The dispatcher servlet looks a multipart resolver up by this name. */
    @Bean(name = "multipartResolver")
    BodyMultipartResolver multipartResolver() {
        return new BodyMultipartResolver(properties.infer().maxSamples());
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(bodies);
    }

    /** What requests hold of the memory budget, and the bodies dropped for their pace. */
    @Bean
    MeterBinder requestMetrics(MemoryBudget budget) {
        return registry -> {
            Gauge.builder("edge.request.memory", budget, MemoryBudget::used)
                .baseUnit("bytes")
                .description("Heap held by requests for what they receive and decode (a training job's samples "
                        + "included), out of edge.limits.request-memory")
                .register(registry);
            Gauge.builder("edge.request.memory.max", budget, MemoryBudget::capacity)
                .baseUnit("bytes")
                .description("edge.limits.request-memory: the heap requests may hold all together")
                .register(registry);
            FunctionCounter.builder("edge.request.cutoff", bodies, BodyCollector::cutOffBodies)
                .description("Request bodies dropped for arriving below edge.limits.body-min-rate or stalling")
                .register(registry);
        };
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

    /**
     * A client that sends {@code Expect: 100-continue} is told to send its body only when
     * the server reads it: a request refused before its body (401, 404, 409) costs the
     * client nothing. A body nobody read is not drained either ({@code maxSwallowSize}
     * 0): Tomcat closes the connection instead of reading it at the sender's pace.
     */
    @Bean
    TomcatConnectorCustomizer bodiesAreReadOnlyWhenWanted() {
        return connector -> {
            if (connector.getProtocolHandler() instanceof AbstractHttp11Protocol<?> http) {
                http.setContinueResponseTiming("onRead");
                http.setMaxSwallowSize(0);
            }
        };
    }

}
