package dev.edgetrainer.server.model;

import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import dev.edgetrainer.model.tensor.Signature;
import dev.edgetrainer.server.model.EngineMetrics.Latency;
import dev.edgetrainer.server.system.EdgeProperties;
import io.swagger.v3.oas.annotations.tags.Tag;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /model}: what the hosted model is; {@code GET /model/status}: how it is
 * doing now. What the dashboard shows about the model, in one request each. The OpenAPI
 * text and examples are in {@code resources/openapi/operations}.
 */
@RestController
@Tag(name = "model")
class ModelController {

    private final ModelEngine engine;

    private final EngineMetrics metrics;

    private final int queueCapacity;

    ModelController(ModelEngine engine, EngineMetrics metrics, EdgeProperties properties) {
        this.engine = engine;
        this.metrics = metrics;
        this.queueCapacity = properties.queue().capacity();
    }

    /**
     * @param output {@code kind} is {@code classes}: the output holds one probability per
     * class name
     * @param customOps per signature, the custom (Flex) ops it needs
     * @param missingOps per signature, the custom ops this runtime lacks
     * @param pretrained whether the file carries its pretraining loss history
     */
    record ModelView(String source, String sha256, long bytes, List<Signature> signatures,
            CheckpointStyle checkpointStyle, Input input, Output output, Map<String, Set<String>> customOps,
            Map<String, Set<String>> missingOps, boolean pretrained) {
    }

    /**
     * @param shape with -1 for a batch of any size
     * @param image rows and columns when a sample is a grayscale image, else null
     */
    record Input(String name, int[] shape, Image image) {
    }

    record Image(int rows, int cols) {
    }

    record Output(String kind, String tensor, String logits, List<String> classNames) {
    }

    @GetMapping("/model")
    ModelView model() {
        ModelInfo info = engine.info();
        ModelInfo.Infer infer = info.infer();
        Image image = info.imageSize().map(size -> new Image(size[0], size[1])).orElse(null);
        return new ModelView(info.source(), info.sha256(), info.bytes(), info.signatures(), info.checkpointStyle(),
                new Input(infer.input().name(), infer.input().shape(), image),
                new Output("classes", infer.output(), infer.logits(), info.classNames()), info.customOps(),
                info.missingOps(), info.pretraining() != null);
    }

    /**
     * @param loss of the last train step kept; null before any
     * @param queueDepth tasks waiting for the interpreter thread
     * @param infer latency of inferences, queue wait included
     * @param trainStep latency of train steps, queue wait included
     */
    record StatusView(boolean running, WeightsRef weights, Double loss, long samplesTrained, int queueDepth,
            int queueCapacity, Latency infer, Latency trainStep) {
    }

    @GetMapping("/model/status")
    StatusView status() {
        ModelState state = engine.state();
        // Read off the interpreter thread: a moment's view, good enough for a status
        // page.
        return new StatusView(engine.isRunning(), WeightsRef.of(engine),
                Double.isNaN(state.loss()) ? null : state.loss(), state.samplesTrained(), state.queueDepth(),
                queueCapacity, metrics.latency(TaskKind.INFER), metrics.latency(TaskKind.TRAIN_STEP));
    }

}
