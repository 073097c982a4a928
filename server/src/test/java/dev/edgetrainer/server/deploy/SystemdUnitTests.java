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

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * deploy/edge-trainer.service verified by systemd itself, its settings and its env file
 * checked against the application, its paths against what install.sh installs
 * (deploy/install-test.sh runs the installation).
 */
class SystemdUnitTests {

    private static final String UNIT = "deploy/edge-trainer.service";

    private static final String ENV_FILE = "deploy/edge-trainer.env";

    @Test
    void systemdAnalyzeVerifiesTheUnitWithoutAWord(@TempDir Path temp) throws IOException {
        assumeTrue(Deployment.installed("systemd-analyze"),
                "systemd-analyze (Debian package systemd) is not installed, so the unit cannot be verified here; CI installs it");
        String unit = Deployment.read(UNIT);
        // verify checks that ExecStart's program exists: Debian's JRE puts java in
        // /usr/bin; elsewhere the JVM running this test stands in for it.
        String java = "/usr/bin/java";
        if (!Files.isExecutable(Path.of(java))) {
            unit = unit.replace("ExecStart=" + java + " ",
                    "ExecStart=" + Path.of(System.getProperty("java.home"), "bin", "java") + " ");
        }
        Path copy = Files.writeString(temp.resolve("edge-trainer.service"), unit);
        // It exits 0 on unknown keys and bad values, printing them: so nothing may be
        // printed.
        Deployment.Result verify = Deployment.run("systemd-analyze", "verify", "--man=no", copy.toString());
        assertThat(verify.exit()).as(verify.output()).isZero();
        assertThat(verify.output()).isBlank();
    }

    @Test
    void everyVariableOfTheUnitAndItsEnvFileSetsARealSetting() {
        Map<String, String> variables = new LinkedHashMap<>(unitEnvironment());
        Matcher line = Pattern.compile("(?m)^#?([A-Z][A-Z0-9_]*)=").matcher(Deployment.read(ENV_FILE));
        while (line.find()) {
            variables.put(line.group(1), "");
        }
        assertThat(variables).containsKeys("EDGE_CHECKPOINT_DIR", "EDGE_DEVICE_ID", "EDGE_SECURITY_TOKEN");
        // JAVA_OPTS is the unit's own: ExecStart expands it into java's arguments.
        assertThat(value("ExecStart")).contains("$JAVA_OPTS");
        variables.remove("JAVA_OPTS");
        variables.keySet()
            .forEach(variable -> assertThat(
                    Settings.property(variable).isPresent() || Settings.PROCESS.containsKey(variable))
                .as("%s sets no edge.* or Spring Boot property (edge.* ones: %s)", variable, Settings.edgeVariables())
                .isTrue());
        assertThat(unitEnvironment().get("EDGE_CHECKPOINT_DIR")).startsWith(value("WorkingDirectory"));
    }

    @Test
    void theUnitRunsWhatInstallShInstalls() {
        String install = Deployment.read("deploy/install.sh");
        String exec = value("ExecStart");
        assertThat(exec).contains("-jar /opt/edge-trainer/edge-trainer.jar",
                "-XX:SharedArchiveFile=/opt/edge-trainer/app.jsa");
        assertThat(install).contains("--destination /opt/edge-trainer.new --application-filename edge-trainer.jar",
                "-XX:ArchiveClassesAtExit=/opt/edge-trainer.new/app.jsa", "mv /opt/edge-trainer.new /opt/edge-trainer",
                "useradd --system --home-dir " + value("WorkingDirectory"), value("EnvironmentFile").substring(1));
        assertThat(value("User")).isEqualTo(value("Group")).isEqualTo("edge-trainer");
    }

    private static Map<String, String> unitEnvironment() {
        Map<String, String> environment = new LinkedHashMap<>();
        for (String assignment : values("Environment")) {
            String unquoted = assignment.startsWith("\"") ? assignment.substring(1, assignment.length() - 1)
                    : assignment;
            environment.put(unquoted.substring(0, unquoted.indexOf('=')),
                    unquoted.substring(unquoted.indexOf('=') + 1));
        }
        return environment;
    }

    private static String value(String key) {
        List<String> values = values(key);
        assertThat(values).as(key).hasSize(1);
        return values.get(0);
    }

    private static List<String> values(String key) {
        List<String> values = new ArrayList<>();
        Matcher line = Pattern.compile("(?m)^" + key + "=(.*)$").matcher(Deployment.read(UNIT));
        while (line.find()) {
            values.add(line.group(1).strip());
        }
        return values;
    }

}
