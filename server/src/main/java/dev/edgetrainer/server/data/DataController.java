package dev.edgetrainer.server.data;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.edgetrainer.server.model.ModelEngine;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /data} and {@code DELETE /data}: the samples the device keeps. */
@RestController
@Tag(name = "data")
class DataController {

    static final String SUMMARY_EXAMPLE = """
            {"samples":2000,"training":1806,"validation":194,"classes":{"T-shirt/top":500,"Trouser":500,"Pullover":500,
             "Dress":500,"Coat":0,"Sandal":0,"Shirt":0,"Sneaker":0,"Bag":0,"Ankle boot":0},"otherTargets":0,
             "bytes":1610060,"segments":1,"maxSamples":10000,"validationFraction":0.1,
             "lastKept":"2025-01-01T12:00:00.123Z","dir":"/var/lib/edge-trainer/samples","recovered":{"records":0,"bytes":0}}""";

    private final SampleStore store;

    private final List<String> classNames;

    DataController(SampleStore store, ModelEngine engine) {
        this.store = store;
        this.classNames = engine.info().classNames();
    }

    /**
     * @param classes live samples per class (one-hot targets)
     * @param otherTargets live samples whose targets are not one-hot
     * @param bytes on disk
     * @param recovered torn or corrupt records dropped when the store was opened
     */
    record DataView(int samples, int training, int validation, Map<String, Integer> classes, int otherTargets,
            long bytes, int segments, int maxSamples, double validationFraction, Instant lastKept, String dir,
            SampleStore.Recovered recovered) {
    }

    @GetMapping("/data")
    @Operation(summary = "The samples this device keeps: counts per class, validation size, bytes",
            responses = @ApiResponse(responseCode = "200",
                    content = @Content(examples = @ExampleObject(SUMMARY_EXAMPLE))))
    DataView summary() {
        SampleStore.Summary summary = store.summary();
        Map<String, Integer> classes = new LinkedHashMap<>();
        int[] counts = summary.classes();
        for (int c = 0; c < counts.length; c++) {
            classes.put(c < classNames.size() ? classNames.get(c) : Integer.toString(c), counts[c]);
        }
        return new DataView(summary.samples(), summary.training(), summary.validation(), classes,
                summary.otherTargets(), summary.bytes(), summary.segments(), summary.maxSamples(),
                summary.validationFraction(), summary.lastKept(), store.dir().toString(), summary.recovered());
    }

    @DeleteMapping("/data")
    @Operation(summary = "Forget every kept sample",
            description = "Durable: a restart does not bring them back. Answers what is left: nothing.",
            responses = @ApiResponse(responseCode = "200", content = @Content(examples = @ExampleObject("""
                    {"samples":0,"training":0,"validation":0,"classes":{"T-shirt/top":0,"Trouser":0,"Pullover":0,
                     "Dress":0,"Coat":0,"Sandal":0,"Shirt":0,"Sneaker":0,"Bag":0,"Ankle boot":0},"otherTargets":0,
                     "bytes":87,"segments":1,"maxSamples":10000,"validationFraction":0.1,
                     "dir":"/var/lib/edge-trainer/samples","recovered":{"records":0,"bytes":0}}"""))))
    DataView clear() {
        store.clear();
        return summary();
    }

}
