package dev.edgetrainer.server.training;

import java.util.ArrayList;
import java.util.List;

import dev.edgetrainer.model.graph.PretrainingHistory;
import dev.edgetrainer.server.model.ModelEngine;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The loss curve: the model file's pretraining, then every train step on this device
 * since startup ({@code GET /train/history}), and new steps as they happen
 * ({@code GET /train/history/stream}, server-sent events).
 */
@RestController
@Tag(name = "training")
class LossHistoryController {

    /** More epochs than this are thinned out evenly: a chart shows no more. */
    static final int MAX_PRETRAINING_POINTS = 1000;

    static final String DEVICE_EXAMPLE = """
            {"generation":4711,"full":true,"stepsPerPoint":1,"steps":2,"points":[
              {"seq":1,"step":601,"loss":0.42,"at":"2025-01-01T12:00:00.010Z"},
              {"seq":2,"step":602,"loss":0.39,"at":"2025-01-01T12:00:00.012Z"}]}""";

    static final String EXAMPLE = "{\"pretraining\":{\"samples\":60000,\"batchSize\":100,\"epochs\":100,"
            + "\"points\":[{\"epoch\":1,\"loss\":0.83},{\"epoch\":2,\"loss\":0.61}]},\"device\":" + DEVICE_EXAMPLE
            + "}";

    private final LossHistory history;

    private final LossHistoryStream stream;

    private final ModelEngine engine;

    LossHistoryController(LossHistory history, LossHistoryStream stream, ModelEngine engine) {
        this.history = history;
        this.stream = stream;
        this.engine = engine;
    }

    /**
     * @param pretraining null when the model file carries no history
     * @param device the steps taken on this device since startup
     */
    record HistoryView(Pretraining pretraining, LossHistory.Slice device) {
    }

    /**
     * @param epochs epochs the model was pretrained for
     * @param points the loss of the last batch of each epoch (every epoch up to
     * {@value #MAX_PRETRAINING_POINTS})
     */
    record Pretraining(int samples, int batchSize, int epochs, List<EpochLoss> points) {

        static Pretraining of(PretrainingHistory history) {
            if (history == null) {
                return null;
            }
            List<Double> losses = history.epochLosses();
            int count = Math.min(losses.size(), MAX_PRETRAINING_POINTS);
            List<EpochLoss> points = new ArrayList<>(count);
            for (int k = 1; k <= count; k++) {
                // Evenly spread, always ending with the last epoch.
                int epoch = (int) ((long) k * losses.size() / count);
                points.add(new EpochLoss(epoch, losses.get(epoch - 1)));
            }
            return new Pretraining(history.samples(), history.batchSize(), losses.size(), points);
        }
    }

    record EpochLoss(int epoch, double loss) {
    }

    @GetMapping("/train/history")
    @Operation(summary = "The loss curve: pretraining, then every train step on this device since startup",
            description = "Device steps are kept in at most " + LossHistory.CAPACITY + " points; when more steps "
                    + "were taken each point is the mean of several (stepsPerPoint). Pass back after=<seq of the "
                    + "last point> and generation=<generation> to get only newer points (full=false).",
            responses = @ApiResponse(responseCode = "200", content = @Content(examples = @ExampleObject(EXAMPLE))))
    HistoryView history(@RequestParam(defaultValue = "-1") long after,
            @RequestParam(defaultValue = "0") long generation) {
        return new HistoryView(Pretraining.of(engine.info().pretraining()), history.since(after, generation));
    }

    @GetMapping(path = "/train/history/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    @Operation(summary = "New device training steps as server-sent events",
            description = "Each 'history' event carries the device part of /train/history: first what the client "
                    + "lacks (given after and generation), then new points at most four times a second while "
                    + "training runs. The stream ends after five minutes; reconnect with the last seq. At most "
                    + LossHistoryStream.MAX_SUBSCRIBERS + " streams at once (503 beyond).",
            responses = {
                    @ApiResponse(responseCode = "200",
                            content = @Content(mediaType = MediaType.TEXT_EVENT_STREAM_VALUE,
                                    examples = @ExampleObject("event:history\ndata:" + DEVICE_EXAMPLE + "\n\n"))),
                    @ApiResponse(responseCode = "503", description = "too many streams open; see Retry-After") })
    SseEmitter stream(@RequestParam(defaultValue = "-1") long after,
            @RequestParam(defaultValue = "0") long generation) {
        return stream.subscribe(after, generation);
    }

}
