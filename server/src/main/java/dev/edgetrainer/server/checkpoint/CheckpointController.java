package dev.edgetrainer.server.checkpoint;

import java.net.URI;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import dev.edgetrainer.server.model.ModelState.RestoreReport;
import dev.edgetrainer.server.model.ModelState.Skipped;
import dev.edgetrainer.server.model.WeightsRef;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

import org.springframework.http.ContentDisposition;
import org.springframework.http.ETag;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * Checkpoints: save, restore, reset, list, delete, and file download/upload for sharing
 * weights in a fleet.
 */
@RestController
@Tag(name = "checkpoints")
class CheckpointController {

    static final String MANIFEST_EXAMPLE = """
            {"id":"20250101T120000123Z-s600","createdAt":"2025-01-01T12:00:00.123Z","sha256":"5be1...","bytes":407664,
             "step":600,"loss":0.41,"modelSha256":"9f2c...","style":"TENSORS","origin":"save"}""";
    static final String NOT_FOUND_EXAMPLE = """
            {"type":"about:blank","title":"Not Found","status":404,"detail":"there is no checkpoint 'x1'","instance":"/checkpoints/x1","field":"id"}""";

    private final CheckpointService checkpoints;

    CheckpointController(CheckpointService checkpoints) {
        this.checkpoints = checkpoints;
    }

    @PostMapping("/checkpoint/save")
    @Operation(summary = "Save the current weights as a new checkpoint",
            description = "Written atomically with a SHA-256 manifest; older checkpoints beyond edge.checkpoint.keep "
                    + "are deleted.",
            responses = @ApiResponse(responseCode = "201",
                    content = @Content(examples = @ExampleObject(MANIFEST_EXAMPLE))))
    ResponseEntity<Manifest> save() {
        Manifest saved = checkpoints.save();
        return ResponseEntity.created(URI.create("/checkpoints/" + saved.id())).body(saved);
    }

    /**
     * @param id the checkpoint to restore; the newest that verifies when absent
     */
    record RestoreRequest(String id) {
    }

    /**
     * @param skipped newer checkpoints passed over, with the reason
     */
    record RestoreResponse(String restored, List<Skipped> skipped, WeightsRef weights) {
    }

    @PostMapping("/checkpoint/restore")
    @Operation(summary = "Restore a checkpoint (the newest when no id is given)",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = false,
                    content = @Content(examples = @ExampleObject("{\"id\":\"20250101T120000123Z-s600\"}"))),
            responses = { @ApiResponse(responseCode = "200", content = @Content(examples = @ExampleObject("""
                    {"restored":"20250101T120000123Z-s600","skipped":[],
                     "weights":{"modelSha256":"9f2c...","checkpoint":"20250101T120000123Z-s600","step":600}}"""))),
                    @ApiResponse(responseCode = "404",
                            content = @Content(mediaType = "application/problem+json",
                                    examples = @ExampleObject(NOT_FOUND_EXAMPLE))),
                    @ApiResponse(responseCode = "422", description = "corrupt, or does not fit the model") })
    RestoreResponse restore(@RequestBody(required = false) RestoreRequest request) {
        RestoreReport report = checkpoints.restore(request == null ? null : request.id());
        return new RestoreResponse(report.restored(), report.skipped(), checkpoints.current());
    }

    @PostMapping("/checkpoint/reset")
    @Operation(summary = "Return to the weights the model file came with",
            responses = @ApiResponse(responseCode = "200", content = @Content(
                    examples = @ExampleObject("{\"modelSha256\":\"9f2c...\",\"checkpoint\":null,\"step\":0}"))))
    WeightsRef reset() {
        return checkpoints.reset();
    }

    /**
     * @param corrupt checkpoints whose manifest cannot be read or whose data file is
     * missing, with the reason: never restored nor sent, but deletable
     * @param current the checkpoint the weights in memory descend from; null for the
     * original weights
     */
    record CheckpointList(List<Manifest> checkpoints, List<CheckpointService.Corrupt> corrupt, String current) {
    }

    @GetMapping("/checkpoints")
    @Operation(summary = "List checkpoints, newest first, and the corrupt ones",
            responses = @ApiResponse(responseCode = "200",
                    content = @Content(examples = @ExampleObject("{\"checkpoints\":[" + MANIFEST_EXAMPLE
                            + "],\"corrupt\":[{\"id\":\"x1\",\"problem\":\"its data file x1.weights is missing\"}],"
                            + "\"current\":\"20250101T120000123Z-s600\"}"))))
    CheckpointList list() {
        CheckpointService.Listing listing = checkpoints.list();
        return new CheckpointList(listing.checkpoints(), listing.corrupt(), checkpoints.current().checkpoint());
    }

    @GetMapping("/checkpoints/{id}")
    @Operation(summary = "One checkpoint's manifest",
            responses = {
                    @ApiResponse(responseCode = "200", content = @Content(examples = @ExampleObject(MANIFEST_EXAMPLE))),
                    @ApiResponse(responseCode = "404", content = @Content(mediaType = "application/problem+json",
                            examples = @ExampleObject(NOT_FOUND_EXAMPLE))) })
    Manifest get(@PathVariable String id) {
        return checkpoints.manifest(id);
    }

    @DeleteMapping("/checkpoints/{id}")
    @Operation(summary = "Delete a checkpoint, a corrupt one too", responses = { @ApiResponse(responseCode = "204"),
            @ApiResponse(responseCode = "404",
                    content = @Content(mediaType = "application/problem+json",
                            examples = @ExampleObject(NOT_FOUND_EXAMPLE))),
            @ApiResponse(responseCode = "409", description = "the current checkpoint (save, restore or reset first), "
                    + "or one another request is using") })
    ResponseEntity<Void> delete(@PathVariable String id) {
        checkpoints.delete(id);
        return ResponseEntity.noContent().build();
    }

    @GetMapping(path = "/checkpoints/{id}/file", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    @Operation(summary = "Download a checkpoint file (verified first)",
            description = "The Repr-Digest header carries the SHA-256 (RFC 9530); the ETag is the hex SHA-256. "
                    + "If-None-Match with it answers 304; If-Match with another version answers 412.",
            responses = {
                    @ApiResponse(responseCode = "200",
                            content = @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM_VALUE,
                                    examples = @ExampleObject(summary = "curl -o w.weights .../checkpoints/{id}/file",
                                            value = "(binary ETWEIGHT file)"))),
                    @ApiResponse(responseCode = "304", description = "If-None-Match names its ETag"),
                    @ApiResponse(responseCode = "412", description = "If-Match names another version") })
    ResponseEntity<byte[]> download(@PathVariable String id, @RequestHeader HttpHeaders headers) {
        CheckpointService.Download download = checkpoints.download(id, preconditions(headers));
        Manifest manifest = download.manifest();
        return ResponseEntity.ok()
            .header(HttpHeaders.CONTENT_DISPOSITION,
                    ContentDisposition.attachment()
                        .filename(manifest.id() + StoreLayout.extension(manifest.style()))
                        .build()
                        .toString())
            .header("Repr-Digest",
                    "sha-256=:" + Base64.getEncoder().encodeToString(HexFormat.of().parseHex(manifest.sha256())) + ":")
            .eTag(manifest.sha256())
            .contentType(MediaType.APPLICATION_OCTET_STREAM)
            .body(download.data());
    }

    @PutMapping(path = "/checkpoints/{id}/file", consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    @Operation(summary = "Upload a checkpoint file from another device",
            description = "The file must decode, pass its checksum and fit this model's weights (else 422). "
                    + "An existing id is replaced (200) only when If-Match names its ETag; without If-Match it "
                    + "answers 409. If-None-Match: * creates only.",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(content = @Content(
                    mediaType = MediaType.APPLICATION_OCTET_STREAM_VALUE,
                    examples = @ExampleObject(
                            summary = "curl -X PUT --data-binary @w.weights -H 'Content-Type: application/octet-stream'",
                            value = "(binary ETWEIGHT file)"))),
            responses = {
                    @ApiResponse(responseCode = "201", content = @Content(examples = @ExampleObject(MANIFEST_EXAMPLE))),
                    @ApiResponse(responseCode = "200", description = "replaced the version If-Match named"),
                    @ApiResponse(responseCode = "409",
                            description = "the id exists (send If-Match to replace it), is being written, "
                                    + "is corrupt, or is the current checkpoint"),
                    @ApiResponse(responseCode = "412", description = "If-Match or If-None-Match does not hold"),
                    @ApiResponse(responseCode = "422", content = @Content(mediaType = "application/problem+json",
                            examples = @ExampleObject("""
                                    {"type":"about:blank","title":"Unprocessable Content","status":422,"detail":"the checkpoint does not fit this model: weight 'dense/kernel' must be dense/kernel: float32[784, 128], got float32[784, 64]","instance":"/checkpoints/x/file","field":"dense/kernel"}"""))),
                    @ApiResponse(responseCode = "507", description = "the device's disk is full; nothing was stored") })
    ResponseEntity<Manifest> upload(@PathVariable String id, @RequestHeader HttpHeaders headers,
            @RequestBody(required = false) byte[] body) {
        CheckpointService.Uploaded uploaded = checkpoints.upload(id, body, preconditions(headers));
        Manifest saved = uploaded.manifest();
        ResponseEntity.BodyBuilder response = uploaded.replaced() ? ResponseEntity.ok()
                : ResponseEntity.created(URI.create("/checkpoints/" + saved.id()));
        return response.eTag(saved.sha256()).body(saved);
    }

    /**
     * {@code If-Match} and {@code If-None-Match} as the checkpoint service takes them:
     * strong ETags only, since a checkpoint's version is the SHA-256 of its bytes.
     */
    static Preconditions preconditions(HttpHeaders headers) {
        List<String> ifMatch = headers.containsHeader(HttpHeaders.IF_MATCH)
                ? etags(headers, HttpHeaders.IF_MATCH).stream()
                    .filter(tag -> tag.isWildcard() || !tag.weak())
                    .map(tag -> tag.isWildcard() ? "*" : tag.tag())
                    .toList()
                : null;
        return new Preconditions(ifMatch,
                etags(headers, HttpHeaders.IF_NONE_MATCH).stream().anyMatch(ETag::isWildcard));
    }

    private static List<ETag> etags(HttpHeaders headers, String name) {
        return headers.getOrEmpty(name).stream().flatMap(value -> ETag.parse(value).stream()).toList();
    }

}
