package dev.edgetrainer.server.training;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import dev.edgetrainer.server.model.JsonTensors;
import dev.edgetrainer.server.system.BadInputException;
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

    private final EdgeProperties.Train defaults;

    TrainingController(TrainingService training, TrainingDataReader reader, EdgeProperties properties) {
        this.training = training;
        this.reader = reader;
        this.defaults = properties.train();
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
            Boolean async) {
    }

    @PostMapping(path = "/train", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<JobView> json(@RequestBody TrainRequest request, @RequestParam(required = false) Integer epochs,
            @RequestParam(required = false) Integer batchSize, @RequestParam(required = false) Boolean shuffle,
            @RequestParam(required = false) Boolean async) {
        TrainingOptions options = TrainingOptions.of(epochs, batchSize, shuffle, async, request.epochs(),
                request.batchSize(), request.shuffle(), request.async(), defaults);
        return run(reader.json(request.x(), request.y()), options);
    }

    @PostMapping(path = "/train", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    ResponseEntity<JobView> multipart(@RequestParam(name = "image", required = false) List<MultipartFile> image,
            @RequestParam(name = "label", required = false) List<String> label,
            @RequestParam(name = "images", required = false) MultipartFile images,
            @RequestParam(name = "labels", required = false) MultipartFile labels,
            @RequestParam(required = false) Integer epochs, @RequestParam(required = false) Integer batchSize,
            @RequestParam(required = false) Boolean shuffle, @RequestParam(required = false) Boolean async)
            throws IOException {
        TrainingOptions options = TrainingOptions.of(epochs, batchSize, shuffle, async, defaults);
        if (images != null || labels != null) {
            if (images == null || labels == null) {
                throw new BadInputException(images == null ? "images" : "labels",
                        "IDX training needs both an 'images' and a 'labels' part");
            }
            // Streamed from the parts: a copy of an upload of up to edge.limits.max-body
            // saved on a small heap.
            try (InputStream imageStream = images.getInputStream(); InputStream labelStream = labels.getInputStream()) {
                return run(reader.idx(imageStream, labelStream), options);
            }
        }
        if (image == null || image.isEmpty()) {
            throw new BadInputException("image",
                    "send 'image' parts with 'label' parts, or 'images' and 'labels' " + "IDX files");
        }
        List<byte[]> bytes = new ArrayList<>(image.size());
        for (MultipartFile part : image) {
            bytes.add(part.getBytes());
        }
        return run(reader.images(bytes, label == null ? List.of() : label), options);
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
