package dev.edgetrainer.server.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import dev.edgetrainer.server.system.EdgeProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * deploy/k8s rendered by {@code kubectl kustomize} and checked against the application:
 * the probes and the scrape path answer on the port the server listens on, every variable
 * sets a real setting with a valid value, the image is the one docker/build.sh tags, and
 * the pod runs as the image's user on a read-only root.
 */
@SuppressWarnings("unchecked")
class KubernetesManifestsTests {

    private static final String STATE = "/var/lib/edge-trainer";

    private static final Map<String, List<Map<String, Object>>> RENDERED = new LinkedHashMap<>();

    private static ConfigurableApplicationContext server;

    private static RestClient http;

    @BeforeAll
    static void renderAndStartTheServer(@TempDir Path temp) throws IOException {
        assumeTrue(Deployment.installed("kubectl"),
                "kubectl (with its kustomize) is not installed, so deploy/k8s cannot be rendered here; CI installs it");
        // A fleet that uses prometheus-operator adds the PodMonitor component to its
        // overlay.
        Path withPodMonitor = Deployment.file("server/target/k8s-podmonitor");
        Files.createDirectories(withPodMonitor);
        Files.writeString(withPodMonitor.resolve("kustomization.yaml"), """
                apiVersion: kustomize.config.k8s.io/v1beta1
                kind: Kustomization
                resources: [../../../deploy/k8s/overlays/example]
                components: [../../../deploy/k8s/components/podmonitor]
                """);
        for (String dir : List.of("deploy/k8s/base", "deploy/k8s/overlays/example", "server/target/k8s-podmonitor")) {
            String yaml = Deployment.run("kubectl", "kustomize", Deployment.file(dir).toString()).succeeded().output();
            List<Map<String, Object>> documents = new ArrayList<>();
            new Yaml().loadAll(yaml).forEach(document -> documents.add(cast(document)));
            RENDERED.put(dir, documents);
        }
        server = RunningServer.start(TestFixtures.writeModel(temp, TestFixtures.SMALL), temp.resolve("checkpoints"));
        http = RunningServer.client(RunningServer.port(server), null);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void theBaseTheOverlayAndThePodMonitorComponentRender() {
        assertThat(kinds("deploy/k8s/base")).containsExactlyInAnyOrder("ConfigMap", "Service", "DaemonSet");
        assertThat(kinds("deploy/k8s/overlays/example")).containsExactlyInAnyOrder("Namespace", "ConfigMap", "Service",
                "DaemonSet");
        assertThat(kinds("server/target/k8s-podmonitor")).contains("PodMonitor");
        assertThat(RENDERED.get("deploy/k8s/overlays/example")).filteredOn(doc -> !doc.get("kind").equals("Namespace"))
            .allSatisfy(doc -> assertThat((String) at(doc, "metadata", "namespace")).isEqualTo("edge-trainer"));
    }

    @Test
    void theDaemonSetRunsOnLabelledLinuxNodesOfEveryArchitectureTheBuildMakes() {
        List<String> archs = buildTags().stream().skip(1).map(tag -> tag.substring(tag.lastIndexOf('-') + 1)).toList();
        for (String variant : RENDERED.keySet()) {
            Map<String, Object> pod = at(daemonSet(variant), "spec", "template", "spec");
            assertThat((Map<String, Object>) at(pod, "nodeSelector")).containsEntry("edgetrainer.dev/device", "true")
                .containsEntry("kubernetes.io/os", "linux");
            Map<String, Object> arch = at(pod, "affinity", "nodeAffinity",
                    "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms", 0, "matchExpressions", 0);
            assertThat(arch).containsEntry("key", "kubernetes.io/arch").containsEntry("operator", "In");
            assertThat((List<String>) arch.get("values")).containsExactlyInAnyOrderElementsOf(archs);
            assertThat((List<Map<String, Object>>) at(pod, "tolerations"))
                .anySatisfy(toleration -> assertThat(toleration).containsEntry("key", "edgetrainer.dev/device"));
        }
    }

    @Test
    void probesAndScrapingAskTheServerOnThePortItListensOn() {
        int port = applicationPort();
        for (String variant : RENDERED.keySet()) {
            Map<String, Object> template = at(daemonSet(variant), "spec", "template");
            Map<String, Object> container = serverContainer(variant);
            assertThat((int) at(container, "ports", 0, "containerPort")).isEqualTo(port);
            assertThat((String) at(container, "ports", 0, "name")).isEqualTo("http");
            for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                assertThat((String) at(container, probe, "httpGet", "port")).as(probe).isEqualTo("http");
                String path = at(container, probe, "httpGet", "path");
                assertThat(path).as(probe).startsWith("/actuator/health/");
                assertThat(get(path)).as(probe + " " + path).contains("\"status\":\"UP\"");
            }
            assertThat((String) at(container, "readinessProbe", "httpGet", "path")).endsWith("/readiness");
            assertThat(get((String) at(container, "readinessProbe", "httpGet", "path"))).contains("\"model\"");
            Map<String, Object> annotations = at(template, "metadata", "annotations");
            assertThat(annotations).containsEntry("prometheus.io/scrape", "true")
                .containsEntry("prometheus.io/port", String.valueOf(port));
            assertThat(get((String) annotations.get("prometheus.io/path"))).contains("edge_train_step{");
            Map<String, Object> service = kind(variant, "Service");
            assertThat((String) at(service, "spec", "clusterIP")).isEqualTo("None");
            assertThat((String) at(service, "spec", "ports", 0, "targetPort")).isEqualTo("http");
        }
        Map<String, Object> endpoint = at(kind("server/target/k8s-podmonitor", "PodMonitor"), "spec",
                "podMetricsEndpoints", 0);
        assertThat(endpoint).containsEntry("port", "http");
        assertThat(get((String) endpoint.get("path"))).contains("edge_train_step{");
    }

    @Test
    void everyVariableSetsARealSettingWithAValidValue() {
        for (String variant : RENDERED.keySet()) {
            Map<String, String> variables = variables(variant);
            assertThat(variables).containsKeys("EDGE_DEVICE_ID", "EDGE_SECURITY_TOKEN", "EDGE_CHECKPOINT_DIR");
            variables.keySet()
                .forEach(variable -> assertThat(Settings.property(variable))
                    .as("%s in %s sets no edge.* or Spring Boot property (edge.* ones: %s)", variable, variant,
                            Settings.edgeVariables())
                    .isPresent());
            // The values as the server would see them in its environment: they bind, pass
            // validation, and Spring resolves each variable to the property it is meant
            // for.
            new ApplicationContextRunner().withUserConfiguration(Properties.class)
                .withInitializer(context -> context.getEnvironment()
                    .getPropertySources()
                    .addFirst(new SystemEnvironmentPropertySource(
                            "manifest-" + StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                            new LinkedHashMap<>(variables))))
                .run(context -> {
                    assertThat(context).as(variant).hasNotFailed();
                    Binder binder = Binder.get(context.getEnvironment());
                    variables.forEach((variable, value) -> {
                        String property = Settings.property(variable).orElseThrow();
                        assertThat(binder.bind(property, String.class).orElse(null)).as(variable).isEqualTo(value);
                    });
                    assertThat(context.getBean(EdgeProperties.class).checkpoint().dir()).startsWithRaw(Path.of(STATE));
                });
        }
    }

    @Test
    void theImageIsTheOneDockerBuildShTags() {
        String list = buildTags().get(0);
        String tag = list.substring(list.lastIndexOf(':') + 1);
        for (String variant : RENDERED.keySet()) {
            List<String> images = Stream.of("containers", "initContainers")
                .flatMap(
                        group -> ((List<Map<String, Object>>) at(daemonSet(variant), "spec", "template", "spec", group))
                            .stream())
                .map(container -> (String) container.get("image"))
                .toList();
            assertThat(images).hasSize(2);
            if (variant.equals("deploy/k8s/base")) {
                assertThat(images).containsOnly(list);
            }
            else {
                // The overlay points at the fleet's registry: same repository name and
                // tag.
                assertThat(images).allSatisfy(image -> assertThat(image).endsWith("/" + list).contains(":" + tag));
            }
        }
    }

    @Test
    void theServerRunsAsTheImagesUserOnAReadOnlyRootAndKeepsCheckpointsOnTheNode() {
        Matcher user = Pattern.compile("(?m)^USER (\\d+):(\\d+)$").matcher(Deployment.read("docker/Dockerfile"));
        assertThat(user.find()).as("a numeric USER in docker/Dockerfile").isTrue();
        for (String variant : RENDERED.keySet()) {
            Map<String, Object> pod = at(daemonSet(variant), "spec", "template", "spec");
            assertThat((Map<String, Object>) pod.get("securityContext")).containsEntry("runAsNonRoot", true)
                .containsEntry("runAsUser", Integer.parseInt(user.group(1)))
                .containsEntry("runAsGroup", Integer.parseInt(user.group(2)));
            assertThat(pod).containsEntry("enableServiceLinks", false);
            Map<String, Object> container = serverContainer(variant);
            Map<String, Object> security = at(container, "securityContext");
            assertThat(security).containsEntry("readOnlyRootFilesystem", true)
                .containsEntry("allowPrivilegeEscalation", false)
                .containsEntry("runAsNonRoot", true);
            assertThat((List<String>) at(security, "capabilities", "drop")).containsExactly("ALL");
            Map<String, String> volumes = new LinkedHashMap<>();
            ((List<Map<String, Object>>) pod.get("volumes")).forEach(volume -> volumes.put((String) volume.get("name"),
                    volume.containsKey("hostPath") ? "hostPath:" + at(volume, "hostPath", "path")
                            : volume.containsKey("emptyDir") ? "emptyDir" : "other"));
            Map<String, String> mounts = new LinkedHashMap<>();
            ((List<Map<String, Object>>) container.get("volumeMounts"))
                .forEach(mount -> mounts.put((String) mount.get("mountPath"), volumes.get(mount.get("name"))));
            // The checkpoints on the node's disk; /tmp writable for TFLite's natives
            // (-Dorg.bytedeco.javacpp.cachedir=/tmp/... in the image) and Tomcat.
            assertThat(mounts).containsEntry(STATE, "hostPath:" + STATE).containsEntry("/tmp", "emptyDir");
            assertThat(Deployment.read("docker/Dockerfile")).contains("-Dorg.bytedeco.javacpp.cachedir=/tmp/");
            Map<String, Object> limits = at(container, "resources", "limits");
            Map<String, Object> requests = at(container, "resources", "requests");
            assertThat(requests).containsKeys("cpu", "memory");
            assertThat(mebibytes((String) limits.get("memory"))).isBetween(mebibytes((String) requests.get("memory")),
                    1024);
        }
    }

    private static List<String> buildTags() {
        return Deployment.run("bash", Deployment.file("docker/build.sh").toString(), "--tags")
            .succeeded()
            .output()
            .lines()
            .toList();
    }

    private static int applicationPort() {
        Map<String, Object> yml = cast(new Yaml().load(Deployment.read("server/src/main/resources/application.yml")));
        return at(yml, "server", "port");
    }

    private static String get(String path) {
        return http.get().uri(path).retrieve().body(String.class);
    }

    private static Map<String, String> variables(String variant) {
        Map<String, String> variables = new LinkedHashMap<>();
        Map<String, Object> container = serverContainer(variant);
        String configMap = at(container, "envFrom", 0, "configMapRef", "name");
        RENDERED.get(variant)
            .stream()
            .filter(doc -> doc.get("kind").equals("ConfigMap") && at(doc, "metadata", "name").equals(configMap))
            .findFirst()
            .map(doc -> (Map<String, String>) doc.get("data"))
            .ifPresentOrElse(variables::putAll, () -> {
                throw new AssertionError("no ConfigMap " + configMap + " in " + variant);
            });
        for (Map<String, Object> env : (List<Map<String, Object>>) container.get("env")) {
            String name = (String) env.get("name");
            if (env.containsKey("value")) {
                variables.put(name, (String) env.get("value"));
            }
            else if (((Map<String, Object>) env.get("valueFrom")).containsKey("fieldRef")) {
                assertThat((String) at(env, "valueFrom", "fieldRef", "fieldPath")).isEqualTo("spec.nodeName");
                variables.put(name, "k3s-pi-01");
            }
            else {
                assertThat((String) at(env, "valueFrom", "secretKeyRef", "key")).as(name).isNotBlank();
                variables.put(name, "0123456789abcdef0123456789abcdef");
            }
        }
        return variables;
    }

    private static List<String> kinds(String variant) {
        return RENDERED.get(variant).stream().map(doc -> (String) doc.get("kind")).toList();
    }

    private static Map<String, Object> kind(String variant, String kind) {
        return RENDERED.get(variant)
            .stream()
            .filter(doc -> doc.get("kind").equals(kind))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no " + kind + " in " + variant));
    }

    private static Map<String, Object> daemonSet(String variant) {
        return kind(variant, "DaemonSet");
    }

    private static Map<String, Object> serverContainer(String variant) {
        return at(daemonSet(variant), "spec", "template", "spec", "containers", 0);
    }

    private static int mebibytes(String quantity) {
        assertThat(quantity).matches("\\d+(Mi|Gi)");
        int number = Integer.parseInt(quantity.substring(0, quantity.length() - 2));
        return quantity.endsWith("Gi") ? number * 1024 : number;
    }

    /** The node at a path of map keys and list indexes. */
    @SuppressWarnings("unchecked")
    static <T> T at(Object node, Object... path) {
        Object current = node;
        for (Object step : path) {
            assertThat(current).as("%s in %s", step, node).isNotNull();
            current = (step instanceof Integer index) ? ((List<Object>) current).get(index)
                    : ((Map<String, Object>) current).get(step);
        }
        return (T) current;
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object value) {
        return (T) value;
    }

    @EnableConfigurationProperties(EdgeProperties.class)
    static class Properties {

    }

}
