package dev.edgetrainer.server.evaluation;

import java.io.IOException;
import java.util.List;

import dev.edgetrainer.server.data.TrainingData;
import dev.edgetrainer.server.data.TrainingDataReader;
import dev.edgetrainer.server.model.WeightsRef;
import dev.edgetrainer.server.system.UnsupportedContentException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import tools.jackson.databind.JsonNode;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * {@code POST /evaluate}: loss and accuracy of the current weights, or of a checkpoint's,
 * on the device's validation samples or on an uploaded labelled set in any format
 * {@code /train} takes.
 */
@RestController
@Tag(name = "evaluation")
class EvaluationController {

    static final String RESULT_EXAMPLE = """
            {"data":"validation","samples":194,"loss":0.4123,"accuracy":0.8608,
             "weights":{"modelSha256":"9f2c...","checkpoint":"20250101T120000123Z-s600","step":600}}""";

    static final String NO_SAMPLES_EXAMPLE = """
            {"type":"about:blank","title":"Conflict","status":409,"detail":"the device holds no validation samples yet: keep samples with POST /train?keep=true, or upload a labelled set to evaluate on","instance":"/evaluate","field":"data"}""";

    private final EvaluationService evaluation;

    private final TrainingDataReader reader;

    EvaluationController(EvaluationService evaluation, TrainingDataReader reader) {
        this.evaluation = evaluation;
        this.reader = reader;
    }

    /**
     * @param data {@code validation} (the device's held-out samples) or {@code upload}
     * @param loss mean categorical cross-entropy
     * @param weights which weights were measured
     */
    record EvaluationView(String data, int samples, double loss, double accuracy, WeightsRef weights) {

        static EvaluationView of(EvaluationService.Result result) {
            return new EvaluationView(result.data(), result.evaluation().samples(), result.evaluation().loss(),
                    result.evaluation().accuracy(), result.weights());
        }
    }

    /**
     * @param x samples to evaluate on, as for {@code /train}; absent for the validation
     * samples
     * @param checkpoint whose weights to evaluate; absent for the current ones
     */
    record EvaluateRequest(JsonNode x, JsonNode y, String checkpoint) {
    }

    @PostMapping(path = "/evaluate", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Loss and accuracy on the validation samples or on JSON samples",
            description = "{} measures the current weights on the device's validation samples; 'checkpoint' "
                    + "measures a checkpoint's weights instead (the device's own are untouched); 'x' and 'y' as for "
                    + "/train measure on those samples.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(
                    content = @Content(examples = @ExampleObject("{\"checkpoint\": \"20250101T120000123Z-s600\"}"))),
            responses = {
                    @ApiResponse(responseCode = "200", content = @Content(examples = @ExampleObject(RESULT_EXAMPLE))),
                    @ApiResponse(responseCode = "409", description = "no validation samples kept",
                            content = @Content(mediaType = "application/problem+json",
                                    examples = @ExampleObject(NO_SAMPLES_EXAMPLE))),
                    @ApiResponse(responseCode = "404", description = "no such checkpoint") })
    EvaluationView json(@RequestBody EvaluateRequest request,
            @RequestParam(name = "checkpoint", required = false) String checkpoint) {
        TrainingData data = request.x() == null && request.y() == null ? null : reader.json(request.x(), request.y());
        return EvaluationView
            .of(evaluation.evaluate(data, request.checkpoint() != null ? request.checkpoint() : checkpoint));
    }

    @PostMapping(path = "/evaluate", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    @Operation(summary = "Loss and accuracy on uploaded images or IDX files",
            description = "The parts of /train: 'image' with 'label' parts, or 'images' and 'labels' IDX files.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(
                    content = @Content(mediaType = MediaType.MULTIPART_FORM_DATA_VALUE,
                            examples = @ExampleObject(
                                    summary = "curl -F images=@t10k-images-idx3-ubyte.gz "
                                            + "-F labels=@t10k-labels-idx1-ubyte.gz http://localhost:8080/evaluate",
                                    value = "images=(IDX) labels=(IDX)"))),
            responses = @ApiResponse(responseCode = "200", content = @Content(examples = @ExampleObject("""
                    {"data":"upload","samples":10000,"loss":0.3502,"accuracy":0.8785,
                     "weights":{"modelSha256":"9f2c...","step":0}}"""))))
    EvaluationView multipart(@RequestParam(name = "image", required = false) List<MultipartFile> image,
            @RequestParam(name = "label", required = false) List<String> label,
            @RequestParam(name = "images", required = false) MultipartFile images,
            @RequestParam(name = "labels", required = false) MultipartFile labels,
            @RequestParam(name = "checkpoint", required = false) String checkpoint) throws IOException {
        return EvaluationView.of(evaluation.evaluate(reader.parts(image, label, images, labels), checkpoint));
    }

    @PostMapping(path = "/evaluate")
    @Operation(summary = "Loss and accuracy on the validation samples (no body)",
            description = "?checkpoint=<id> measures a checkpoint's weights instead of the current ones.",
            responses = @ApiResponse(responseCode = "200",
                    content = @Content(examples = @ExampleObject(RESULT_EXAMPLE))))
    EvaluationView validation(@RequestParam(name = "checkpoint", required = false) String checkpoint,
            @RequestHeader(name = HttpHeaders.CONTENT_TYPE, required = false) String contentType) {
        if (contentType != null) {
            throw new UnsupportedContentException(HttpHeaders.CONTENT_TYPE,
                    "send JSON, multipart/form-data, or no body; got " + contentType);
        }
        return EvaluationView.of(evaluation.evaluate(null, checkpoint));
    }

}
