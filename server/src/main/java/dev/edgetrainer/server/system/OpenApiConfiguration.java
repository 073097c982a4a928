package dev.edgetrainer.server.system;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springdoc.core.customizers.OpenApiCustomizer;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.AntPathMatcher;

/**
 * The OpenAPI document at {@code /v3/api-docs}, shown by Swagger UI at
 * {@code /swagger-ui.html}.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    private static final String BEARER = "bearer";

    @Bean
    OpenAPI edgeTrainerOpenApi() {
        return new OpenAPI()
            .info(new Info().title("EdgeTrainer")
                .version("0.1.0")
                .description("One trainable TensorFlow Lite model on an edge device: infer, train, "
                        + "checkpoint. Errors are RFC 9457 problem+json with a 'field' naming what was wrong."))
            .components(new Components().addSecuritySchemes(BEARER,
                    new SecurityScheme().type(SecurityScheme.Type.HTTP)
                        .scheme("bearer")
                        .description("Needed when edge.security.token is set")));
    }

    /** Marks the operations the bearer token guards, so Swagger UI sends it. */
    @Bean
    OpenApiCustomizer bearerOnProtectedPaths() {
        AntPathMatcher matcher = new AntPathMatcher();
        return api -> api.getPaths().forEach((path, item) -> {
            if (WebConfiguration.PROTECTED.stream().anyMatch(pattern -> matcher.match(pattern, path))) {
                item.readOperations()
                    .forEach(operation -> operation
                        .addSecurityItem(new io.swagger.v3.oas.models.security.SecurityRequirement().addList(BEARER)));
            }
        });
    }

}
