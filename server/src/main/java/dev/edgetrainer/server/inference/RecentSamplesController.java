package dev.edgetrainer.server.inference;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /samples/recent}: the dashboard's grid of recent images and predictions. */
@RestController
@Tag(name = "inference")
class RecentSamplesController {

    static final String EXAMPLE = """
            {"images":true,"samples":[
              {"image":"data:image/png;base64,iVBORw0KGgo...","source":"train","at":"2025-01-01T12:00:00Z",
               "predicted":{"index":7,"label":"Sneaker","probability":0.93},"truth":{"index":7,"label":"Sneaker"},"correct":true},
              {"image":"data:image/png;base64,iVBORw0KGgo...","source":"infer","at":"2025-01-01T11:59:58Z",
               "predicted":{"index":2,"label":"Pullover","probability":0.51}}],
             "weights":{"modelSha256":"9f2c...","checkpoint":"20250101T120000123Z-s600","step":640}}""";

    private final InferenceService service;

    RecentSamplesController(InferenceService service) {
        this.service = service;
    }

    @GetMapping("/samples/recent")
    @Operation(summary = "The last 25 images the device saw, predicted with the current weights",
            description = "Images sent to /infer (no true label) and to /train (with theirs), newest first; a "
                    + "request with many samples adds up to 25 of them, evenly spread. Only kept for models that "
                    + "take small grayscale images.",
            responses = @ApiResponse(responseCode = "200", content = @Content(examples = @ExampleObject(EXAMPLE))))
    RecentSamplesResponse recent() {
        return service.recent();
    }

}
