package dev.edgetrainer.server.system;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import dev.edgetrainer.server.RunningServer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAPI document as served: every operation documented with examples, and every
 * documentation resource attached to something that exists.
 */
class OpenApiDocsTests extends RunningServer {

    private static final String PROBLEM = "application/problem+json";

    private JsonNode docs() {
        return get("/v3/api-docs").getBody();
    }

    /** The example values of one media type, {@code $ref}s resolved. */
    private static List<JsonNode> examples(JsonNode docs, JsonNode media) {
        List<JsonNode> values = new ArrayList<>();
        if (media.has("example")) {
            values.add(media.get("example"));
        }
        if (media.has("examples")) {
            for (JsonNode example : media.get("examples")) {
                values.add(resolve(docs, example).get("value"));
            }
        }
        return values;
    }

    private static JsonNode resolve(JsonNode docs, JsonNode example) {
        if (!example.has("$ref")) {
            return example;
        }
        String ref = example.get("$ref").asString();
        assertThat(ref).startsWith("#/components/examples/");
        JsonNode target = docs.get("components").get("examples").get(ref.substring(ref.lastIndexOf('/') + 1));
        assertThat(target).as(ref + " resolves").isNotNull();
        return target;
    }

    @Test
    void everyOperationHasASummaryAndExamplesForEveryBodyTypeAndEveryStatus() {
        JsonNode docs = docs();

        assertThat(docs.get("paths").propertyNames()).contains("/infer", "/train", "/train/jobs", "/train/jobs/{id}",
                "/checkpoint/save", "/checkpoint/restore", "/checkpoint/reset", "/checkpoints", "/checkpoints/{id}",
                "/checkpoints/{id}/file");
        assertThat(docs.toString()).contains("Ankle boot", "bearer");
        docs.get("paths").properties().forEach(path -> path.getValue().properties().forEach(entry -> {
            String name = entry.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey();
            JsonNode operation = entry.getValue();
            assertThat(operation.path("summary").asString("")).as(name + " summary").isNotBlank();
            assertThat(operation.path("operationId").asString("")).as(name + " operationId").isNotBlank();
            operation.path("requestBody").path("content").properties().forEach(media -> {
                assertThat(media.getValue().has("schema")).as(name + " " + media.getKey() + " request schema").isTrue();
                assertThat(examples(docs, media.getValue())).as(name + " " + media.getKey() + " request example")
                    .isNotEmpty();
            });
            assertThat(operation.get("responses").propertyNames()).as(name + " success")
                .anyMatch(code -> code.startsWith("2"));
            operation.get("responses").properties().forEach(response -> {
                String status = name + " " + response.getKey();
                int code = Integer.parseInt(response.getKey());
                assertThat(response.getValue().path("description").asString("")).as(status + " description")
                    .isNotBlank();
                if (code == 204 || code == 304) {
                    assertThat(response.getValue().has("content")).as(status + " has no body").isFalse();
                    return;
                }
                assertThat(response.getValue().path("content").isEmpty()).as(status + " content").isFalse();
                response.getValue().get("content").properties().forEach(media -> {
                    List<JsonNode> values = examples(docs, media.getValue());
                    assertThat(values).as(status + " " + media.getKey() + " example").isNotEmpty();
                    if (code >= 400) {
                        assertThat(media.getKey()).as(status + " is a problem").isEqualTo(PROBLEM);
                        values.forEach(problem -> {
                            assertThat(problem.path("status").asInt()).as(status + " example status").isEqualTo(code);
                            assertThat(problem.path("detail").asString("")).as(status + " example detail").isNotBlank();
                        });
                    }
                    else {
                        assertThat(media.getValue().has("schema")).as(status + " schema from the code").isTrue();
                    }
                });
            });
        }));
        assertThat(
                http.get().uri(uri("/swagger-ui/index.html")).retrieve().toEntity(String.class).getStatusCode().value())
            .isEqualTo(200);
    }

    @Test
    void operationsThatNeedTheTokenSayItAndDocumentTheirRefusal() {
        JsonNode paths = docs().get("paths");

        assertThat(paths.get("/infer").get("post").has("security")).isFalse();
        assertThat(paths.get("/infer").get("post").get("responses").has("401")).isFalse();
        paths.properties()
            .stream()
            .filter(path -> !path.getKey().equals("/infer"))
            .flatMap(path -> path.getValue().valueStream())
            .forEach(operation -> {
                String id = operation.get("operationId").asString();
                assertThat(operation.get("security").toString()).as(id).contains("bearer");
                assertThat(operation.get("responses").has("401")).as(id + " 401").isTrue();
            });
    }

    @Test
    void everyDocumentationResourceBelongsToAnOperationThatExists() throws IOException {
        JsonNode docs = docs();
        JsonMapper json = JsonMapper.builder().build();
        Set<String> documented = new HashSet<>();

        for (Resource resource : new PathMatchingResourcePatternResolver().getResources(OperationDocs.OPERATIONS)) {
            String id = resource.getFilename().replaceFirst("\\.json$", "");
            JsonNode doc;
            try (InputStream in = resource.getInputStream()) {
                doc = json.readTree(in);
            }
            String[] target = doc.path(OperationDocs.TARGET).asString("").split(" ", 2);
            assertThat(target).as(id + " names 'METHOD /path'").hasSize(2);
            JsonNode operation = docs.get("paths").path(target[1]).path(target[0].toLowerCase(Locale.ROOT));
            assertThat(operation.isObject()).as(id + ": " + String.join(" ", target) + " exists").isTrue();
            assertThat(operation.get("operationId").asString()).isEqualTo(id);
            for (JsonNode parameter : doc.path("parameters")) {
                assertThat(operation.get("parameters").valueStream())
                    .as(id + " parameter " + parameter.get("name").asString())
                    .anyMatch(p -> p.get("name").equals(parameter.get("name"))
                            && p.path("description").equals(parameter.get("description")));
            }
            // A media type the code does not consume would come without a schema.
            doc.path("requestBody")
                .path("content")
                .propertyNames()
                .forEach(type -> assertThat(operation.get("requestBody").get("content").get(type).has("schema"))
                    .as(id + " consumes " + type)
                    .isTrue());
            documented.add(id);
        }

        Set<String> operationIds = new HashSet<>();
        docs.get("paths")
            .valueStream()
            .flatMap(JsonNode::valueStream)
            .forEach(operation -> operationIds.add(operation.get("operationId").asString()));
        assertThat(documented).as("one resource per operation").isEqualTo(operationIds);
        String text = docs.toString();
        for (String shared : docs.get("components").get("examples").propertyNames()) {
            assertThat(text).as("shared example " + shared + " is used")
                .contains("\"#/components/examples/" + shared + "\"");
        }
    }

}
