package dev.edgetrainer.server.model;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import dev.edgetrainer.model.hosting.OutputKind;
import dev.edgetrainer.model.tensor.Signature;
import dev.edgetrainer.model.tensor.TensorSpec;
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
     * @param roles the signature playing each role (infer, train, save, restore), null
     * for a role not served
     * @param absent per role not served, why
     * @param customOps per signature, the custom (Flex) ops it needs
     * @param missingOps per signature, the custom ops this runtime lacks
     * @param pretrained whether the file carries its pretraining loss history
     */
    record ModelView(String source, String sha256, long bytes, List<Signature> signatures,
            CheckpointStyle checkpointStyle, Map<String, String> roles, Map<String, String> absent, Input input,
            Output output, Map<String, Set<String>> customOps, Map<String, Set<String>> missingOps,
            boolean pretrained) {
    }

    /**
     * @param shape with -1 for a batch of any size
     * @param image rows and columns when a sample is a grayscale image, else null
     */
    record Input(String name, int[] shape, Image image) {
    }

    record Image(int rows, int cols) {
    }

    /**
     * @param kind {@code probabilities}, {@code logits}, {@code binary} or
     * {@code regression} ({@code edge.model.output})
     * @param tensor the infer output read; null without an infer role
     * @param logits the logits beside a probability output, or null
     * @param width values per sample
     * @param classNames one per class (two for binary); empty for regression
     * @param threshold for binary models, the probability from which the second class is
     * predicted; else null
     */
    record Output(String kind, String tensor, String logits, int width, List<String> classNames, Double threshold) {
    }

    @GetMapping("/model")
    ModelView model() {
        ModelInfo info = engine.info();
        ModelInfo.Output output = info.output();
        Optional<ModelInfo.Infer> infer = info.inferSpec();
        TensorSpec input = info.input();
        Image image = info.imageSize().map(size -> new Image(size[0], size[1])).orElse(null);
        return new ModelView(info.source(), info.sha256(), info.bytes(), info.signatures(), info.checkpointStyle(),
                info.roles(), info.absent(), new Input(input.name(), input.shape(), image),
                new Output(output.kind().setting(), infer.map(ModelInfo.Infer::output).orElse(null),
                        infer.map(ModelInfo.Infer::logits).orElse(null), output.width(), output.classNames(),
                        output.kind() == OutputKind.BINARY ? output.threshold() : null),
                info.customOps(), info.missingOps(), info.pretraining() != null);
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
