package dev.edgetrainer.server.model;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.edgetrainer.model.runtime.TrainableModel;
import dev.edgetrainer.model.tensor.Signature;

import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/info}: the model file and hash, its signatures, the current
 * checkpoint, TFLite and the CPU.
 */
@Component
class ModelInfoContributor implements InfoContributor {

    private static final String TFLITE_VERSION = TrainableModel.runtimeVersion();

    private final ModelEngine engine;

    ModelInfoContributor(ModelEngine engine) {
        this.engine = engine;
    }

    @Override
    public void contribute(Info.Builder builder) {
        ModelInfo info = engine.info();
        ModelState state = engine.state();
        Map<String, Object> checkpoint = new LinkedHashMap<>();
        checkpoint.put("id", state.checkpointId());
        checkpoint.put("step", state.step());
        checkpoint.put("loss", Double.isNaN(state.loss()) ? null : state.loss());
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("source", info.source());
        model.put("sha256", info.sha256());
        model.put("bytes", info.bytes());
        model.put("signatures", info.signatures().stream().map(Signature::toString).toList());
        model.put("roles", info.roles());
        model.put("output", info.output().kind().setting());
        model.put("checkpointStyle", info.checkpointStyle());
        model.put("classNames", info.classNames());
        builder.withDetail("model", model)
            .withDetail("checkpoint", checkpoint)
            .withDetail("runtime", Map.of("tflite", TFLITE_VERSION, "os.arch", System.getProperty("os.arch"), "java",
                    System.getProperty("java.version")));
    }

}
