package dev.edgetrainer.server.inference;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import dev.edgetrainer.server.model.JsonTensors;
import io.swagger.v3.oas.annotations.tags.Tag;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * {@code POST /infer}: one image, several images, or JSON tensors. The OpenAPI text and
 * examples are in {@code resources/openapi/operations/infer.json}.
 */
@RestController
@Tag(name = "inference")
class InferenceController {

    private final InferenceService service;

    InferenceController(InferenceService service) {
        this.service = service;
    }

    @PostMapping(path = "/infer", consumes = { MediaType.IMAGE_PNG_VALUE, MediaType.IMAGE_JPEG_VALUE })
    InferenceResponse image(@RequestBody byte[] body, @RequestParam(required = false) String invert,
            @RequestParam(required = false) Integer top) {
        return service.images(List.of(body), invert, top);
    }

    @PostMapping(path = "/infer", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
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
    InferenceResponse tensors(@RequestBody InferenceRequest request, @RequestParam(required = false) Integer top) {
        return service.tensors(request.x(), top);
    }

    /**
     * @param x one sample or a batch, as nested arrays of numbers
     */
    record InferenceRequest(JsonTensors.Parsed x) {
    }

}
