package dev.edgetrainer.server.evaluation;

import java.io.IOException;
import java.util.List;

import dev.edgetrainer.server.data.TrainingData;
import dev.edgetrainer.server.data.TrainingDataReader;
import dev.edgetrainer.server.model.JsonTensors;
import dev.edgetrainer.server.model.WeightsRef;
import dev.edgetrainer.server.system.UnsupportedContentException;
import io.swagger.v3.oas.annotations.tags.Tag;

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

    private final EvaluationService evaluation;

    private final TrainingDataReader reader;

    EvaluationController(EvaluationService evaluation, TrainingDataReader reader) {
        this.evaluation = evaluation;
        this.reader = reader;
    }

    /**
     * @param data {@code validation} (the device's held-out samples) or {@code upload}
     * @param loss mean cross-entropy (classes), binary cross-entropy, or mean squared
     * error (regression)
     * @param accuracy absent for a regression model
     * @param weights which weights were measured
     */
    record EvaluationView(String data, int samples, double loss, Double accuracy, WeightsRef weights) {

        static EvaluationView of(EvaluationService.Result result) {
            return new EvaluationView(result.data(), result.evaluation().samples(), result.evaluation().loss(),
                    result.evaluation().accuracyOrNull(), result.weights());
        }
    }

    /**
     * @param x samples to evaluate on, as for {@code /train}; absent for the validation
     * samples
     * @param checkpoint whose weights to evaluate; absent for the current ones
     */
    record EvaluateRequest(JsonTensors.Parsed x, JsonTensors.Parsed y, String checkpoint) {
    }

    @PostMapping(path = "/evaluate", consumes = MediaType.APPLICATION_JSON_VALUE)
    EvaluationView json(@RequestBody EvaluateRequest request,
            @RequestParam(name = "checkpoint", required = false) String checkpoint) {
        TrainingData data = request.x() == null && request.y() == null ? null : reader.json(request.x(), request.y());
        return EvaluationView
            .of(evaluation.evaluate(data, request.checkpoint() != null ? request.checkpoint() : checkpoint));
    }

    @PostMapping(path = "/evaluate", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    EvaluationView multipart(@RequestParam(name = "image", required = false) List<MultipartFile> image,
            @RequestParam(name = "label", required = false) List<String> label,
            @RequestParam(name = "images", required = false) MultipartFile images,
            @RequestParam(name = "labels", required = false) MultipartFile labels,
            @RequestParam(name = "checkpoint", required = false) String checkpoint) throws IOException {
        return EvaluationView.of(evaluation.evaluate(reader.parts(image, label, images, labels), checkpoint));
    }

    @PostMapping(path = "/evaluate")
    EvaluationView validation(@RequestParam(name = "checkpoint", required = false) String checkpoint,
            @RequestHeader(name = HttpHeaders.CONTENT_TYPE, required = false) String contentType) {
        if (contentType != null) {
            throw new UnsupportedContentException(HttpHeaders.CONTENT_TYPE,
                    "send JSON, multipart/form-data, or no body; got " + contentType);
        }
        return EvaluationView.of(evaluation.evaluate(null, checkpoint));
    }

}
