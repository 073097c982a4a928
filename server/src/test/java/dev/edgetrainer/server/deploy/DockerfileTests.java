package dev.edgetrainer.server.deploy;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker/Dockerfile against the application (docker/smoke-test.sh builds and runs the
 * image for both architectures).
 */
class DockerfileTests {

    private final String dockerfile = Deployment.read("docker/Dockerfile");

    @Test
    void everyVariableOfTheImageSetsARealSettingOrTheProcess() {
        Matcher env = Pattern.compile("(?:ENV|\\\\\\n)\\s+([A-Z][A-Z0-9_]*)=").matcher(dockerfile);
        int count = 0;
        while (env.find()) {
            String variable = env.group(1);
            assertThat(Settings.property(variable).isPresent() || Settings.PROCESS.containsKey(variable))
                .as("%s sets no edge.* or Spring Boot property", variable)
                .isTrue();
            count++;
        }
        assertThat(count).isEqualTo(3);
    }

    @Test
    void theImageExposesThePortTheServerListensOnAndRunsAsANumericUser() {
        Map<String, Object> yml = new Yaml().load(Deployment.read("server/src/main/resources/application.yml"));
        assertThat(dockerfile).contains("EXPOSE " + ((Map<?, ?>) yml.get("server")).get("port"));
        assertThat(dockerfile).containsPattern("(?m)^USER \\d+:\\d+$");
        assertThat(dockerfile).containsPattern("(?m)^VOLUME /var/lib/edge-trainer$")
            .contains("EDGE_CHECKPOINT_DIR=/var/lib/edge-trainer/checkpoints");
    }

}
