package dev.edgetrainer.server.inference;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.responses.ApiResponses;
import io.swagger.v3.oas.annotations.tags.Tag;
import tools.jackson.databind.JsonNode;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/** {@code POST /infer}: one image, several images, or JSON tensors. */
@RestController
@Tag(name = "inference")
@ApiResponses({
        @ApiResponse(responseCode = "200",
                content = @Content(examples = @ExampleObject(InferenceController.RESPONSE_EXAMPLE))),
        @ApiResponse(responseCode = "400", description = "bad image or tensor",
                content = @Content(mediaType = "application/problem+json",
                        examples = @ExampleObject(InferenceController.PROBLEM_EXAMPLE))),
        @ApiResponse(responseCode = "503", description = "queue full; see Retry-After") })
class InferenceController {

    static final String RESPONSE_EXAMPLE = """
            {"predictions":[{"index":0,"label":"Ankle boot","probabilities":[0.0,0.0,0.0,0.0,0.0,0.01,0.0,0.03,0.0,0.96],
              "logits":[-4.1,-6.0,-5.2,-4.9,-5.5,0.6,-3.9,1.8,-2.2,5.0],
              "top":[{"index":9,"label":"Ankle boot","probability":0.96},{"index":7,"label":"Sneaker","probability":0.03},
                     {"index":5,"label":"Sandal","probability":0.01}]}],
             "weights":{"modelSha256":"9f2c...","checkpoint":"20250101T120000123Z-s600","step":600}}""";
    static final String PROBLEM_EXAMPLE = """
            {"type":"about:blank","title":"Bad Request","status":400,"detail":"'image' is not a PNG or JPEG image","instance":"/infer","field":"image"}""";

    private final InferenceService service;

    InferenceController(InferenceService service) {
        this.service = service;
    }

    @PostMapping(path = "/infer", consumes = { MediaType.IMAGE_PNG_VALUE, MediaType.IMAGE_JPEG_VALUE })
    @Operation(summary = "Classify one image",
            description = "The body is a PNG or JPEG. It is converted to grayscale, padded to a square, resized to the "
                    + "model's input and scaled to [0,1]. invert=auto (default) inverts dark-on-light photos.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(
                    content = @Content(mediaType = MediaType.IMAGE_PNG_VALUE,
                            examples = @ExampleObject(
                                    summary = "curl --data-binary @shoe.png -H 'Content-Type: image/png'",
                                    value = "(binary PNG)"))))
    InferenceResponse image(@RequestBody byte[] body, @RequestParam(required = false) String invert,
            @RequestParam(required = false) Integer top) {
        return service.images(List.of(body), invert, top);
    }

    @PostMapping(path = "/infer", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    @Operation(summary = "Classify several images",
            description = "One multipart part named 'image' per image; predictions come back in part order.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(
                    content = @Content(mediaType = MediaType.MULTIPART_FORM_DATA_VALUE,
                            examples = @ExampleObject(summary = "curl -F image=@a.png -F image=@b.jpg",
                                    value = "image=(PNG) image=(JPEG)"))))
    InferenceResponse images(@RequestPart("image") List<MultipartFile> image,
            @RequestParam(required = false) String invert, @RequestParam(required = false) Integer top)
            throws IOException {
        List<byte[]> bytes = new ArrayList<>(image.size());
        for (MultipartFile part : image) {
            bytes.add(part.getBytes());
        }
        return service.images(bytes, invert, top);
    }

    @PostMapping(path = "/infer", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Run the model on JSON tensors",
            description = "x is one sample in the model's input shape (e.g. 28x28 floats in [0,1]) or a batch of them.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(
                    content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
                            examples = @ExampleObject(summary = "one 28x28 sample (rows shortened)",
                                    value = "{\"x\": [[0.0, 0.1, 0.5, ...], ...]}"))),
            responses = @ApiResponse(responseCode = "400", content = @Content(mediaType = "application/problem+json",
                    examples = @ExampleObject("""
                            {"type":"about:blank","title":"Bad Request","status":400,"detail":"'x' has shape [27, 28]; the model takes one sample of [28, 28] or a batch of [n, 28, 28]","instance":"/infer","field":"x"}"""))))
    InferenceResponse tensors(@RequestBody InferenceRequest request, @RequestParam(required = false) Integer top) {
        return service.tensors(request.x(), top);
    }

    /**
     * @param x one sample or a batch, as nested arrays of numbers
     */
    record InferenceRequest(JsonNode x) {
    }

}
