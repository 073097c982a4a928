package dev.edgetrainer.server.checkpoint;

import java.net.URI;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import dev.edgetrainer.server.model.ModelState.RestoreReport;
import dev.edgetrainer.server.model.ModelState.Skipped;
import dev.edgetrainer.server.model.WeightsRef;
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
 * weights in a fleet. The OpenAPI text and examples are in
 * {@code resources/openapi/operations}.
 */
@RestController
@Tag(name = "checkpoints")
class CheckpointController {

    private final CheckpointService checkpoints;

    CheckpointController(CheckpointService checkpoints) {
        this.checkpoints = checkpoints;
    }

    @PostMapping("/checkpoint/save")
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
    RestoreResponse restore(@RequestBody(required = false) RestoreRequest request) {
        RestoreReport report = checkpoints.restore(request == null ? null : request.id());
        return new RestoreResponse(report.restored(), report.skipped(), checkpoints.current());
    }

    @PostMapping("/checkpoint/reset")
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
    CheckpointList list() {
        CheckpointService.Listing listing = checkpoints.list();
        return new CheckpointList(listing.checkpoints(), listing.corrupt(), checkpoints.current().checkpoint());
    }

    @GetMapping("/checkpoints/{id}")
    Manifest get(@PathVariable String id) {
        return checkpoints.manifest(id);
    }

    @DeleteMapping("/checkpoints/{id}")
    ResponseEntity<Void> delete(@PathVariable String id) {
        checkpoints.delete(id);
        return ResponseEntity.noContent().build();
    }

    @GetMapping(path = "/checkpoints/{id}/file", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
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
