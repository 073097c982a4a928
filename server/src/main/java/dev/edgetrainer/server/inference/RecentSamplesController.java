package dev.edgetrainer.server.inference;

import io.swagger.v3.oas.annotations.tags.Tag;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /samples/recent}: the dashboard's grid of recent images and predictions. The
 * OpenAPI text and examples are in {@code resources/openapi/operations}.
 */
@RestController
@Tag(name = "inference")
class RecentSamplesController {

    private final InferenceService service;

    RecentSamplesController(InferenceService service) {
        this.service = service;
    }

    @GetMapping("/samples/recent")
    RecentSamplesResponse recent() {
        return service.recent();
    }

}
