package dev.edgetrainer.server.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.edgetrainer.model.tensor.Signature;
import dev.edgetrainer.server.system.EdgeProperties;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/**
 * The {@code model} health component: up while the interpreter thread serves. Its details
 * say what a fleet operator asks first: which model, which signature plays each role and
 * what its output is, which checkpoint was restored or skipped, whether checkpoints can
 * be written, and any role whose signature failed on the server's own call
 * ({@code faults}).
 */
@Component("model")
class ModelHealthIndicator extends AbstractHealthIndicator {

    private final ModelEngine engine;

    private final Path checkpointDir;

    private final String device;

    ModelHealthIndicator(ModelEngine engine, EdgeProperties properties) {
        super("model health check failed");
        this.engine = engine;
        this.checkpointDir = properties.checkpoint().dir();
        this.device = properties.device().id();
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        ModelInfo info = engine.info();
        ModelState state = engine.state();
        builder.status(engine.isRunning() ? "UP" : "DOWN")
            .withDetail("device", device)
            .withDetail("loaded", engine.isRunning())
            .withDetail("source", info.source())
            .withDetail("signatures", info.signatures().stream().map(Signature::key).toList())
            .withDetail("roles", roles(info))
            .withDetail("output", info.output().kind().setting())
            .withDetail("checkpointStyle", info.checkpointStyle())
            .withDetail("checkpoint", state.checkpointId() == null ? "original weights" : state.checkpointId())
            .withDetail("step", state.step())
            .withDetail("queueDepth", state.queueDepth())
            .withDetail("checkpointDir", checkpointDir.toAbsolutePath().normalize().toString())
            .withDetail("checkpointDirWritable", Files.isDirectory(checkpointDir) && Files.isWritable(checkpointDir));
        if (!info.missingOps().isEmpty()) {
            // Signatures that cannot run in this runtime, and the ops they lack: the
            // model loads, these fail.
            builder.withDetail("missingOps", info.missingOps());
        }
        if (state.lastRestore() != null) {
            builder.withDetail("lastRestore", state.lastRestore());
        }
        Map<String, ModelState.Fault> faults = state.faults();
        if (!faults.isEmpty()) {
            builder.withDetail("faults", faults);
        }
    }

    /** Each role's signature, or why the role is not served. */
    private static Map<String, String> roles(ModelInfo info) {
        Map<String, String> roles = new LinkedHashMap<>();
        info.roles()
            .forEach((role, signature) -> roles.put(role, signature != null ? signature
                    : "none: " + info.absent().getOrDefault(role, info.absent().getOrDefault("save", "not served"))));
        return roles;
    }

}
