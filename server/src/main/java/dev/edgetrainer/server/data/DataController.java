package dev.edgetrainer.server.data;

import java.time.Instant;
import java.util.Map;

import io.swagger.v3.oas.annotations.tags.Tag;

import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /data} and {@code DELETE /data}: the samples the device keeps. */
@RestController
@Tag(name = "data")
class DataController {

    private final SampleStore store;

    DataController(SampleStore store) {
        this.store = store;
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
    DataView summary() {
        SampleStore.Summary summary = store.summary();
        return new DataView(summary.samples(), summary.training(), summary.validation(), summary.classes(),
                summary.otherTargets(), summary.bytes(), summary.segments(), summary.maxSamples(),
                summary.validationFraction(), summary.lastKept(), store.dir().toString(), summary.recovered());
    }

    @DeleteMapping("/data")
    DataView clear() {
        store.clear();
        return summary();
    }

}
