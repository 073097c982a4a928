package dev.edgetrainer.server.system;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springdoc.core.customizers.OpenApiCustomizer;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.PathContainer;

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

    /**
     * Marks every operation the allow-list does not open, so Swagger UI sends the token.
     */
    @Bean
    OpenApiCustomizer bearerOnProtectedOperations(EdgeProperties properties) {
        PublicRequests publicRequests = new PublicRequests(properties.security().protectInfer());
        return api -> api.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, operation) -> {
            if (!publicRequests.allows(method.name(), PathContainer.parsePath(path))) {
                operation.addSecurityItem(new SecurityRequirement().addList(BEARER));
            }
        }));
    }

}
