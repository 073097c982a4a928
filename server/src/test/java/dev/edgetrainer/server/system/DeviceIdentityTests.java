package dev.edgetrainer.server.system;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

class DeviceIdentityTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Config.class);

    @EnableConfigurationProperties(EdgeProperties.class)
    static class Config {

    }

    @Test
    void theHostNameIsTheDefaultId() {
        runner.run(context -> {
            String id = context.getBean(EdgeProperties.class).device().id();
            assertThat(id).isNotBlank().isEqualTo(DeviceIdentity.hostName());
        });
    }

    @Test
    void aBlankIdMeansTheHostName() {
        runner.withPropertyValues("edge.device.id= ")
            .run(context -> assertThat(context.getBean(EdgeProperties.class).device().id())
                .isEqualTo(DeviceIdentity.hostName()));
    }

    @ParameterizedTest
    @ValueSource(strings = { "pi-01", "jetson_07.lab", "k3s-node-3.example.com", "7" })
    void aHostLikeIdIsTaken(String id) {
        runner.withPropertyValues("edge.device.id=" + id)
            .run(context -> assertThat(context.getBean(EdgeProperties.class).device().id()).isEqualTo(id));
    }

    @ParameterizedTest
    @ValueSource(strings = { "pi 01", "-pi", "pi/01", "pi\"01", "gerät" })
    void anIdThatIsNotHostLikeStopsStartupNamingIt(String id) {
        runner.withPropertyValues("edge.device.id=" + id).run(context -> {
            assertThat(context).hasFailed();
            StringBuilder messages = new StringBuilder();
            for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
                messages.append(t.getMessage()).append('\n');
            }
            assertThat(messages.toString()).contains("edge.device.id").contains("letters, digits");
        });
    }

}
