package dev.edgetrainer.server.training;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URI;
import java.util.List;

import dev.edgetrainer.server.data.TrainingData;
import dev.edgetrainer.server.data.TrainingDataReader;
import dev.edgetrainer.server.model.JsonTensors;
import dev.edgetrainer.server.system.BodyGate;
import dev.edgetrainer.server.system.EdgeProperties;
import io.swagger.v3.oas.annotations.tags.Tag;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * {@code POST /train} in three formats, and the job resources behind it. A job expected
 * to outlast {@code edge.train.sync-timeout}, or one started with {@code async=true},
 * answers 202 with its Location at once; a quick one answers 200 with its result. The
 * OpenAPI text and examples are in {@code resources/openapi/operations}.
 */
@RestController
@Tag(name = "training")
class TrainingController implements BodyGate {

    private final TrainingService training;

    private final TrainingDataReader reader;

    private final EdgeProperties defaults;

    TrainingController(TrainingService training, TrainingDataReader reader, EdgeProperties properties) {
        this.training = training;
        this.reader = reader;
        this.defaults = properties;
    }

    /** Its handlers with a body all start a job: none may while one runs. */
    @Override
    public void beforeBody(Method handler) {
        training.refuseWhileRunning();
    }

    /**
     * @param x one sample or a batch in the model's input shape
     * @param y one class index per sample, or one target row (one-hot) per sample
     */
    record TrainRequest(JsonTensors.Parsed x, JsonTensors.Parsed y, Integer epochs, Integer batchSize, Boolean shuffle,
            Boolean async, Boolean keep) {
    }

    @PostMapping(path = "/train", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<JobView> json(@RequestBody TrainRequest request, @RequestParam(required = false) Integer epochs,
            @RequestParam(required = false) Integer batchSize, @RequestParam(required = false) Boolean shuffle,
            @RequestParam(required = false) Boolean async, @RequestParam(required = false) Boolean keep) {
        TrainingOptions options = TrainingOptions.of(first(request.epochs(), epochs),
                first(request.batchSize(), batchSize), first(request.shuffle(), shuffle), first(request.async(), async),
                first(request.keep(), keep), defaults);
        return run(reader.json(request.x(), request.y()), options);
    }

    @PostMapping(path = "/train", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    ResponseEntity<JobView> multipart(@RequestParam(name = "image", required = false) List<MultipartFile> image,
            @RequestParam(name = "label", required = false) List<String> label,
            @RequestParam(name = "images", required = false) MultipartFile images,
            @RequestParam(name = "labels", required = false) MultipartFile labels,
            @RequestParam(required = false) Integer epochs, @RequestParam(required = false) Integer batchSize,
            @RequestParam(required = false) Boolean shuffle, @RequestParam(required = false) Boolean async,
            @RequestParam(required = false) Boolean keep) throws IOException {
        TrainingOptions options = TrainingOptions.of(epochs, batchSize, shuffle, async, keep, defaults);
        return run(reader.parts(image, label, images, labels), options);
    }

    /** A body value wins over the query's. */
    private static <T> T first(T body, T query) {
        return body != null ? body : query;
    }

    private ResponseEntity<JobView> run(TrainingData data, TrainingOptions options) {
        TrainingJob job = training.start(data, options, reader.spec());
        boolean quick = !options.async() && !training.expectedToBeSlow(job) && training.awaitQuickly(job);
        if (!quick) {
            JobView view = job.view();
            return ResponseEntity.accepted().location(URI.create("/train/jobs/" + view.id())).body(view);
        }
        if (job.status() == TrainingJob.Status.FAILED) {
            throw new TrainingFailedException(job.id, job.error(), job.blewUp());
        }
        return ResponseEntity.ok(job.view());
    }

    @GetMapping("/train/jobs")
    List<JobView> jobs() {
        return training.jobs();
    }

    @GetMapping("/train/jobs/{id}")
    JobView job(@PathVariable String id) {
        return training.job(id).view();
    }

    @DeleteMapping("/train/jobs/{id}")
    ResponseEntity<JobView> cancel(@PathVariable String id) {
        TrainingJob job = training.cancel(id);
        return job.isFinished() ? ResponseEntity.ok(job.view()) : ResponseEntity.accepted().body(job.view());
    }

}
