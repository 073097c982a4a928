package dev.edgetrainer.server.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.edgetrainer.server.system.EdgeProperties;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ClassPathResource;

/** Loads the hosted model onto its interpreter thread before anything else may use it. */
@Configuration(proxyBeanMethods = false)
class ModelConfiguration {

    @Bean
    ModelState modelState() {
        return new ModelState();
    }

    @Bean
    EngineMetrics engineMetrics(ModelState state) {
        return new EngineMetrics(state);
    }

    @Bean(destroyMethod = "close")
    ModelEngine modelEngine(EdgeProperties properties, ModelState state, EngineMetrics metrics) throws IOException {
        return new ModelEngine(source(properties.model().path()), properties.model(), properties.queue(), state,
                metrics);
    }

    @Bean
    InferBatcher inferBatcher(ModelEngine engine, EngineMetrics metrics, EdgeProperties properties) {
        return new InferBatcher(engine, metrics, properties.infer().batching());
    }

    /**
     * @throws ModelHostingException when {@code edge.model.path} names no readable file
     */
    static ModelSource source(Path path) throws IOException {
        if (path != null) {
            Path absolute = path.toAbsolutePath().normalize();
            if (!Files.isRegularFile(absolute) || !Files.isReadable(absolute)) {
                throw new ModelHostingException(
                        "edge.model.path is '" + path + "', but "
                                + (Files.isDirectory(absolute) ? "that is a directory"
                                        : Files.exists(absolute) ? "that file cannot be read" : "no such file exists")
                                + (path.isAbsolute() ? "." : " (relative to " + Path.of("").toAbsolutePath() + ")."),
                        "Set edge.model.path (or EDGE_MODEL_PATH) to the .tflite file to host, or remove it to host "
                                + "the bundled Fashion-MNIST model.",
                        null);
            }
            return new ModelSource(absolute.toString(), Files.readAllBytes(absolute));
        }
        ClassPathResource bundled = new ClassPathResource(EdgeProperties.BUNDLED_MODEL);
        if (!bundled.exists()) {
            throw new IllegalStateException("the bundled model " + EdgeProperties.BUNDLED_MODEL
                    + " is missing from the class path; set edge.model.path to a .tflite file");
        }
        try (InputStream in = bundled.getInputStream()) {
            return new ModelSource("classpath:" + EdgeProperties.BUNDLED_MODEL, in.readAllBytes());
        }
    }

}
