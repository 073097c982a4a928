package dev.edgetrainer.server.system;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.examples.Example;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springdoc.core.customizers.OpenApiCustomizer;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.PathContainer;
import org.springframework.util.function.SingletonSupplier;

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
     * Text and examples from {@code resources/openapi/}; then every operation the
     * allow-list does not open is marked as needing the token (so Swagger UI sends it)
     * and documented with its 401. The resources are read when the document is first
     * built, not at startup: reading them loads swagger's Jackson 2 and models (about a
     * thousand classes) that a device rarely needs, and {@code OpenApiDocsTests} checks
     * every resource in the build.
     */
    @Bean
    OpenApiCustomizer edgeTrainerOperations(EdgeProperties properties) {
        SingletonSupplier<OperationDocs> docs = SingletonSupplier.of(OperationDocs::new);
        PublicRequests publicRequests = new PublicRequests(properties.security().protectInfer());
        return api -> {
            docs.obtain().customise(api);
            api.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, operation) -> {
                if (!publicRequests.allows(method.name(), PathContainer.parsePath(path))) {
                    operation.addSecurityItem(new SecurityRequirement().addList(BEARER))
                        .getResponses()
                        .addApiResponse("401",
                                new ApiResponse()
                                    .description("no or a wrong bearer token, when edge.security.token is set")
                                    .content(new Content().addMediaType("application/problem+json",
                                            new MediaType().addExamples("unauthorized",
                                                    new Example().$ref("#/components/examples/unauthorized")))));
                }
            }));
        };
    }

}
