package dev.edgetrainer.server.system;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swagger.v3.core.util.Json31;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.examples.Example;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import org.springdoc.core.customizers.OpenApiCustomizer;

import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.http.HttpStatus;

/**
 * The words and examples of the API, kept as OpenAPI JSON under
 * {@code resources/openapi/} so that controllers read as their mappings.
 * {@code operations/<operationId>.json} is an OpenAPI Operation plus the
 * {@code "operation": "METHOD /path"} it documents; {@code examples.json} holds examples
 * that several operations share, referenced as {@code #/components/examples/<name>}.
 * <p>
 * Merged into what springdoc generates from the mappings: text and examples come from the
 * resource, schemas from the code. A resource that lists responses lists every status the
 * operation answers; springdoc's default 200 gives its schema to the resource's success
 * statuses.
 */
final class OperationDocs implements OpenApiCustomizer {

    static final String OPERATIONS = "classpath*:openapi/operations/*.json";

    static final String SHARED_EXAMPLES = "classpath:openapi/examples.json";

    /** The resource's own key naming the operation it documents. */
    static final String TARGET = "operation";

    private final ObjectMapper json = Json31.mapper();

    /** By "METHOD /path". */
    private final Map<String, ObjectNode> operations = new LinkedHashMap<>();

    private final ObjectNode examples;

    OperationDocs() {
        PathMatchingResourcePatternResolver resources = new PathMatchingResourcePatternResolver(
                getClass().getClassLoader());
        try {
            for (Resource resource : resources.getResources(OPERATIONS)) {
                ObjectNode doc = read(resource);
                JsonNode target = doc.remove(TARGET);
                if (target == null || !target.isTextual()) {
                    throw new IllegalStateException(
                            resource + " must name its operation: \"" + TARGET + "\": \"METHOD /path\"");
                }
                doc.put("operationId", resource.getFilename().replaceFirst("\\.json$", ""));
                // Read once now, so a resource that is no Operation fails at once.
                json.convertValue(doc, Operation.class);
                if (operations.put(target.asText(), doc) != null) {
                    throw new IllegalStateException("two resources document " + target.asText());
                }
            }
            this.examples = read(resources.getResource(SHARED_EXAMPLES));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ObjectNode read(Resource resource) throws IOException {
        try (InputStream in = resource.getInputStream()) {
            return (ObjectNode) json.readTree(in);
        }
    }

    @Override
    public void customise(OpenAPI api) {
        if (api.getComponents() == null) {
            api.setComponents(new Components());
        }
        examples.properties()
            .forEach(example -> api.getComponents()
                .addExamples(example.getKey(), json.convertValue(example.getValue(), Example.class)));
        api.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, generated) -> {
            ObjectNode doc = operations.get(method + " " + path);
            if (doc != null) {
                // Converted on each call: springdoc may build the document more than
                // once.
                merge(json.convertValue(doc, Operation.class), generated);
            }
        }));
    }

    private static void merge(Operation doc, Operation generated) {
        generated.setOperationId(doc.getOperationId());
        if (doc.getSummary() != null) {
            generated.setSummary(doc.getSummary());
        }
        if (doc.getDescription() != null) {
            generated.setDescription(doc.getDescription());
        }
        if (doc.getParameters() != null && generated.getParameters() != null) {
            for (Parameter parameter : doc.getParameters()) {
                generated.getParameters()
                    .stream()
                    .filter(p -> p.getName().equals(parameter.getName()) && p.getIn().equals(parameter.getIn()))
                    .forEach(p -> p.setDescription(parameter.getDescription()));
            }
        }
        if (doc.getRequestBody() != null && generated.getRequestBody() != null) {
            Content content = generated.getRequestBody().getContent();
            doc.getRequestBody()
                .getContent()
                .forEach((type, media) -> content.addMediaType(type, withSchema(media, content.get(type))));
        }
        if (doc.getResponses() != null) {
            generated.setResponses(responses(doc.getResponses(), generated.getResponses()));
        }
    }

    private static ApiResponses responses(ApiResponses documented, ApiResponses generated) {
        ApiResponse success = (generated != null) ? generated.get("200") : null;
        ApiResponses merged = new ApiResponses();
        documented.forEach((code, response) -> {
            ApiResponse same = (generated != null) ? generated.get(code) : null;
            ApiResponse base = (same == null && code.startsWith("2")) ? success : same;
            if (response.getDescription() == null) {
                response.setDescription(HttpStatus.valueOf(Integer.parseInt(code)).getReasonPhrase());
            }
            if (response.getContent() != null && base != null && base.getContent() != null) {
                response.getContent().forEach((type, media) -> withSchema(media, base.getContent().get(type)));
            }
            merged.addApiResponse(code, response);
        });
        return merged;
    }

    private static MediaType withSchema(MediaType documented, MediaType generated) {
        if (documented.getSchema() == null && generated != null) {
            documented.setSchema(generated.getSchema());
        }
        return documented;
    }

}
