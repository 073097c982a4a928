package dev.edgetrainer.server.system;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;

import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Which device this is ({@code edge.device.id}): a {@code device} tag on every metric, so
 * one Prometheus tells a fleet's devices apart, and {@code device.id} in
 * {@code /actuator/info}.
 */
@Configuration(proxyBeanMethods = false)
class DeviceIdentity {

    static final String TAG = "device";

    /** Boot applies every {@link MeterFilter} bean before the first meter registers. */
    @Bean
    MeterFilter deviceTag(EdgeProperties properties) {
        return MeterFilter.commonTags(Tags.of(TAG, properties.device().id()));
    }

    @Bean
    InfoContributor deviceInfo(EdgeProperties properties) {
        return builder -> builder.withDetail("device", Map.of("id", properties.device().id()));
    }

    /**
     * The kernel's host name (no DNS lookup, which may hang on a device without a
     * network), or Java's view of it elsewhere.
     */
    static String hostName() {
        try {
            Path kernel = Path.of("/proc/sys/kernel/hostname");
            if (Files.isReadable(kernel)) {
                return Files.readString(kernel).strip();
            }
            return InetAddress.getLocalHost().getHostName();
        }
        catch (IOException ex) {
            throw new IllegalStateException("cannot read the host name; set edge.device.id", ex);
        }
    }

}
