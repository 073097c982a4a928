package dev.edgetrainer.server.training;

import java.io.IOException;
import java.net.URI;
import java.util.List;

import dev.edgetrainer.server.data.TrainingData;
import dev.edgetrainer.server.data.TrainingDataReader;
import dev.edgetrainer.server.system.EdgeProperties;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import tools.jackson.databind.JsonNode;

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
 * answers 202 with its Location at once; a quick one answers 200 with its result.
 */
@RestController
@Tag(name = "training")
class TrainingController {

    static final String JOB_EXAMPLE = """
            {"id":"6c0e7a52-8f0b-4c41-9d1e-2f7c2b1f4a10","status":"SUCCEEDED","cancelling":false,"epoch":2,"epochs":2,
             "step":20,"steps":20,"samples":1000,"batchSize":100,"loss":0.52,"epochLosses":[0.71,0.55],
             "createdAt":"2025-01-01T12:00:00Z","startedAt":"2025-01-01T12:00:00.002Z","finishedAt":"2025-01-01T12:00:00.090Z",
             "durationMs":88,"weights":{"modelSha256":"9f2c...","checkpoint":null,"step":20}}""";
    static final String PROBLEM_EXAMPLE = """
            {"type":"about:blank","title":"Bad Request","status":400,"detail":"y[3] is 12; class indices run from 0 to 9","instance":"/train","field":"y[3]"}""";

    private final TrainingService training;

    private final TrainingDataReader reader;

    private final EdgeProperties defaults;

    TrainingController(TrainingService training, TrainingDataReader reader, EdgeProperties properties) {
        this.training = training;
        this.reader = reader;
        this.defaults = properties;
    }

    /**
     * @param x one sample or a batch in the model's input shape
     * @param y one class index per sample, or one target row (one-hot) per sample
     */
    record TrainRequest(JsonNode x, JsonNode y, Integer epochs, Integer batchSize, Boolean shuffle, Boolean async,
            Boolean keep) {
    }

    @PostMapping(path = "/train", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Train on a JSON batch",
            description = "Options come from the body or the query (body wins): epochs, batchSize, shuffle, async, "
                    + "keep (keep the samples on the device once the job succeeds; default edge.data.keep).",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(
                    examples = @ExampleObject("{\"x\": [[[0.0, 0.2, ...], ...], ...], \"y\": [9, 0], \"epochs\": 2}"))),
            responses = {
                    @ApiResponse(responseCode = "200", content = @Content(examples = @ExampleObject(JOB_EXAMPLE))),
                    @ApiResponse(responseCode = "202", description = "long job; poll the Location"),
                    @ApiResponse(responseCode = "400",
                            content = @Content(mediaType = "application/problem+json",
                                    examples = @ExampleObject(PROBLEM_EXAMPLE))),
                    @ApiResponse(responseCode = "409", description = "another job is running"), @ApiResponse(
                            responseCode = "422", description = "a step's loss was NaN or infinite; it was undone") })
    ResponseEntity<JobView> json(@RequestBody TrainRequest request, @RequestParam(required = false) Integer epochs,
            @RequestParam(required = false) Integer batchSize, @RequestParam(required = false) Boolean shuffle,
            @RequestParam(required = false) Boolean async, @RequestParam(required = false) Boolean keep) {
        TrainingOptions options = TrainingOptions.of(first(request.epochs(), epochs),
                first(request.batchSize(), batchSize), first(request.shuffle(), shuffle), first(request.async(), async),
                first(request.keep(), keep), defaults);
        return run(reader.json(request.x(), request.y()), options);
    }

    @PostMapping(path = "/train", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    @Operation(summary = "Train on uploaded images or IDX files",
            description = "Either 'image' parts with one 'label' part each (class index or name), or one 'images' "
                    + "and one 'labels' IDX file (Fashion-MNIST's format, gzip allowed; the efficient format).",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(
                    mediaType = MediaType.MULTIPART_FORM_DATA_VALUE,
                    examples = {
                            @ExampleObject(name = "idx", summary = "curl -F images=@train-images-idx3-ubyte.gz "
                                    + "-F labels=@train-labels-idx1-ubyte.gz 'http://localhost:8080/train?epochs=1'",
                                    value = "images=(IDX) labels=(IDX)"),
                            @ExampleObject(name = "images", summary = "curl -F image=@shoe.png -F label='Ankle boot'",
                                    value = "image=(PNG) label=Ankle boot") })),
            responses = {
                    @ApiResponse(responseCode = "200", content = @Content(examples = @ExampleObject(JOB_EXAMPLE))),
                    @ApiResponse(responseCode = "202", description = "long job; poll the Location"),
                    @ApiResponse(responseCode = "400", content = @Content(mediaType = "application/problem+json",
                            examples = @ExampleObject(PROBLEM_EXAMPLE))) })
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
            throw new TrainingFailedException(job.id, job.error(), job.producedNonFiniteLoss());
        }
        return ResponseEntity.ok(job.view());
    }

    @GetMapping("/train/jobs")
    @Operation(summary = "Recent training jobs, newest first", responses = @ApiResponse(responseCode = "200",
            content = @Content(examples = @ExampleObject("[" + JOB_EXAMPLE + "]"))))
    List<JobView> jobs() {
        return training.jobs();
    }

    @GetMapping("/train/jobs/{id}")
    @Operation(summary = "A training job's progress: epoch, step, current loss",
            responses = {
                    @ApiResponse(responseCode = "200", content = @Content(examples = @ExampleObject(JOB_EXAMPLE))),
                    @ApiResponse(responseCode = "404", description = "unknown or forgotten job") })
    JobView job(@PathVariable String id) {
        return training.job(id).view();
    }

    @DeleteMapping("/train/jobs/{id}")
    @Operation(summary = "Cancel a job between steps",
            description = "Steps already taken stay in the weights; the job ends as CANCELLED.",
            responses = @ApiResponse(responseCode = "202", content = @Content(
                    examples = @ExampleObject("{\"id\":\"6c0e7a52-8f0b-4c41-9d1e-2f7c2b1f4a10\",\"status\":\"RUNNING\",\"cancelling\":true}"))))
    ResponseEntity<JobView> cancel(@PathVariable String id) {
        TrainingJob job = training.cancel(id);
        return job.isFinished() ? ResponseEntity.ok(job.view()) : ResponseEntity.accepted().body(job.view());
    }

}
