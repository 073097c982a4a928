package dev.edgetrainer.server.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.net.URL;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import dev.edgetrainer.server.system.EdgeProperties;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Which application property an environment variable sets, by Spring Boot's rule (upper
 * case, {@code .} to {@code _}, dashes dropped or, in the legacy form, {@code _}): every
 * leaf of {@link EdgeProperties}, and every property Spring Boot's modules declare in
 * their configuration metadata (map-valued ones as prefixes, e.g.
 * {@code LOGGING_LEVEL_*}).
 */
final class Settings {

    private static final Map<String, String> EXACT = new TreeMap<>();

    private static final Map<String, String> PREFIXES = new TreeMap<>();

    static {
        edgeLeaves("edge", EdgeProperties.class);
        springMetadata();
    }

    private Settings() {
    }

    /**
     * Variables of the process itself, not of Spring: the JVM and glibc read them.
     */
    static final Map<String, String> PROCESS = Map.of("JAVA_TOOL_OPTIONS", "JVM options, read by the JVM itself",
            "MALLOC_ARENA_MAX", "glibc's malloc arenas");

    /** The property a variable sets, if any. */
    static Optional<String> property(String variable) {
        String exact = EXACT.get(variable);
        if (exact != null) {
            return Optional.of(exact);
        }
        return PREFIXES.entrySet()
            .stream()
            .filter(prefix -> variable.startsWith(prefix.getKey()) && variable.length() > prefix.getKey().length())
            .map(prefix -> prefix.getValue() + "."
                    + variable.substring(prefix.getKey().length()).toLowerCase(Locale.ROOT))
            .findFirst();
    }

    /** The {@code edge.*} properties and their variables, for messages. */
    static Map<String, String> edgeVariables() {
        Map<String, String> edge = new LinkedHashMap<>();
        EXACT.forEach((variable, property) -> {
            if (property.startsWith("edge.")) {
                edge.put(variable, property);
            }
        });
        return Collections.unmodifiableMap(edge);
    }

    private static void edgeLeaves(String prefix, Class<?> type) {
        for (RecordComponent component : type.getRecordComponents()) {
            String name = prefix + "." + kebab(component.getName());
            if (component.getType().isRecord()) {
                edgeLeaves(name, component.getType());
            }
            else {
                add(name, false);
            }
        }
    }

    private static void springMetadata() {
        try {
            for (URL url : Collections
                .list(Settings.class.getClassLoader().getResources("META-INF/spring-configuration-metadata.json"))) {
                try (InputStream in = url.openStream()) {
                    JsonNode properties = JsonMapper.shared().readTree(in).path("properties");
                    for (JsonNode property : properties) {
                        String type = property.path("type").asString("");
                        add(property.get("name").asString(), type.startsWith("java.util.Map"));
                    }
                }
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static void add(String property, boolean map) {
        String upper = property.toUpperCase(Locale.ROOT).replace('.', '_');
        for (String variable : new String[] { upper.replace("-", ""), upper.replace('-', '_') }) {
            if (map) {
                PREFIXES.put(variable + "_", property);
            }
            else {
                EXACT.put(variable, property);
            }
        }
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

}
