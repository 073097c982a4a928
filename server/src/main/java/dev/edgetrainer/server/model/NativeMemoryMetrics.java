package dev.edgetrainer.server.model;

import dev.edgetrainer.model.runtime.NativeMemory;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.stereotype.Component;

/**
 * Native memory, which the JVM's own meters do not see: what JavaCPP allocated for the
 * model runtime, and the process's resident memory. Both flat under steady load means
 * native buffers and handles are not leaking (the torture suite's soak test watches
 * them).
 */
@Component
class NativeMemoryMetrics implements MeterBinder {

    private static final String MEMORY = "Native memory: the process's resident memory (kind=physical) or what JavaCPP "
            + "allocated and tracks (kind=javacpp)";

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("edge.native.memory", NativeMemory::physicalBytes)
            .description(MEMORY)
            .tag("kind", "physical")
            .baseUnit("bytes")
            .register(registry);
        Gauge.builder("edge.native.memory", NativeMemory::trackedBytes)
            .description(MEMORY)
            .tag("kind", "javacpp")
            .baseUnit("bytes")
            .register(registry);
        Gauge.builder("edge.native.pointers", NativeMemory::trackedPointers)
            .description("Native objects JavaCPP allocated and tracks for deallocation")
            .register(registry);
    }

}
