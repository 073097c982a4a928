package dev.edgetrainer.server.system;

import java.util.List;

import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import org.springframework.http.MediaType;

import static org.assertj.core.api.Assertions.assertThat;

class DeviceIdentityEndToEndTests extends RunningServer {

    private final String device = DeviceIdentity.hostName();

    @Test
    void everyPrometheusSampleNamesTheDevice() {
        postBytes("/infer", TestFixtures.png(3), MediaType.IMAGE_PNG);

        String scrape = http.get().uri(uri("/actuator/prometheus")).retrieve().body(String.class);

        List<String> samples = scrape.lines().filter(line -> !line.isBlank() && !line.startsWith("#")).toList();
        assertThat(samples).hasSizeGreaterThan(50)
            .anyMatch(line -> line.startsWith("edge_infer_latency_seconds_count{"))
            .anyMatch(line -> line.startsWith("jvm_memory_used_bytes{"))
            .anyMatch(line -> line.startsWith("disk_free_bytes{"))
            .allMatch(line -> line.contains("device=\"" + device + "\""));
    }

    @Test
    void infoAndTheModelHealthNameTheDevice() {
        JsonNode info = get("/actuator/info").getBody();
        JsonNode health = get("/actuator/health").getBody();

        assertThat(info.get("device").get("id").asString()).isEqualTo(device);
        assertThat(health.get("components").get("model").get("details").get("device").asString()).isEqualTo(device);
    }

}
