package dev.edgetrainer.server.training;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import dev.edgetrainer.model.graph.PretrainingHistory;
import dev.edgetrainer.server.model.ModelEngine;
import io.swagger.v3.oas.annotations.tags.Tag;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The loss curve: the model file's pretraining, then every train step on this device
 * since startup ({@code GET /train/history}), and new steps as they happen
 * ({@code GET /train/history/stream}, server-sent events, written for
 * {@link LossHistoryPublisher}). The OpenAPI text and examples are in
 * {@code resources/openapi/operations}.
 */
@RestController
@Tag(name = "training")
class LossHistoryController {

    /** More epochs than this are thinned out evenly: a chart shows no more. */
    static final int MAX_PRETRAINING_POINTS = 1000;

    private final LossHistory history;

    private final LossHistoryPublisher publisher;

    private final ModelEngine engine;

    LossHistoryController(LossHistory history, LossHistoryPublisher publisher, ModelEngine engine) {
        this.history = history;
        this.publisher = publisher;
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
    HistoryView history(@RequestParam(defaultValue = "-1") long after,
            @RequestParam(defaultValue = "0") long generation) {
        return new HistoryView(Pretraining.of(engine.info().pretraining()), history.since(after, generation));
    }

    /**
     * The request thread returns at once (Spring MVC async); the publisher thread writes
     * the events.
     */
    @GetMapping(path = "/train/history/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter stream(@RequestParam(defaultValue = "-1") long after,
            @RequestParam(defaultValue = "0") long generation) {
        SseEmitter emitter = new SseEmitter(LossHistoryPublisher.LIFETIME.toMillis());
        EventStream events = new EventStream(emitter);
        // Ending on timeout without an error: the client simply reconnects.
        emitter.onTimeout(emitter::complete);
        emitter.onCompletion(() -> publisher.unsubscribe(events));
        emitter.onError(e -> publisher.unsubscribe(events));
        // Events sent before the response starts are buffered by the emitter.
        publisher.subscribe(events, after, generation);
        return emitter;
    }

    /** One client's stream: each slice is a {@code history} event with a JSON body. */
    private record EventStream(SseEmitter emitter) implements LossHistoryPublisher.Stream {

        @Override
        public void send(LossHistory.Slice slice) throws IOException {
            emitter.send(SseEmitter.event().name("history").data(slice, MediaType.APPLICATION_JSON));
        }

        @Override
        public void keepAlive() throws IOException {
            emitter.send(SseEmitter.event().comment("keep-alive"));
        }

        @Override
        public void end() {
            emitter.complete();
        }

    }

}
