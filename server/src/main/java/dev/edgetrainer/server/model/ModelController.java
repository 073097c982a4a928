package dev.edgetrainer.server.model;

import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import dev.edgetrainer.model.tensor.Signature;
import dev.edgetrainer.server.model.EngineMetrics.Latency;
import dev.edgetrainer.server.system.EdgeProperties;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /model}: what the hosted model is; {@code GET /model/status}: how it is
 * doing now. What the dashboard shows about the model, in one request each.
 */
@RestController
@Tag(name = "model")
class ModelController {

    static final String MODEL_EXAMPLE = """
            {"source":"classpath:models/fashion-mnist.tflite","sha256":"9f2c...","bytes":408440,
             "signatures":[{"key":"infer","inputs":[{"name":"x","type":"FLOAT32","shape":[-1,28,28]}],
               "outputs":[{"name":"logits","type":"FLOAT32","shape":[-1,10]},{"name":"output","type":"FLOAT32","shape":[-1,10]}]}],
             "checkpointStyle":"TENSORS","input":{"name":"x","shape":[-1,28,28],"image":{"rows":28,"cols":28}},
             "output":{"kind":"classes","tensor":"output","logits":"logits","classNames":["T-shirt/top","Trouser","...","Ankle boot"]},
             "customOps":{"infer":[],"restore":[],"save":[],"train":[]},"missingOps":{},"pretrained":true}""";
    static final String STATUS_EXAMPLE = """
            {"running":true,"weights":{"modelSha256":"9f2c...","checkpoint":"20250101T120000123Z-s600","step":640},
             "loss":0.31,"samplesTrained":20480,"queueDepth":0,"queueCapacity":64,
             "infer":{"count":1200,"p50Ms":0.42,"p99Ms":1.9},"trainStep":{"count":640,"p50Ms":1.6,"p99Ms":3.1}}""";

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
    @Operation(summary = "The hosted model: file, signatures, input, output, Flex ops",
            responses = @ApiResponse(responseCode = "200",
                    content = @Content(examples = @ExampleObject(MODEL_EXAMPLE))))
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
    @Operation(summary = "The weights, the queue and latency (median and p99 of the last minutes)",
            responses = @ApiResponse(responseCode = "200",
                    content = @Content(examples = @ExampleObject(STATUS_EXAMPLE))))
    StatusView status() {
        ModelState state = engine.state();
        // Read off the interpreter thread: a moment's view, good enough for a status
        // page.
        return new StatusView(engine.isRunning(), WeightsRef.of(engine),
                Double.isNaN(state.loss()) ? null : state.loss(), state.samplesTrained(), state.queueDepth(),
                queueCapacity, metrics.latency(TaskKind.INFER), metrics.latency(TaskKind.TRAIN_STEP));
    }

}
