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
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
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
     * @param current the checkpoint the weights in memory descend from; null for the
     * original weights
     */
    record CheckpointList(List<Manifest> checkpoints, String current) {
    }

    @GetMapping("/checkpoints")
    CheckpointList list() {
        return new CheckpointList(checkpoints.list(), checkpoints.current().checkpoint());
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
    ResponseEntity<byte[]> download(@PathVariable String id) {
        CheckpointService.Download download = checkpoints.download(id);
        Manifest manifest = download.manifest();
        return ResponseEntity.ok()
            .header(HttpHeaders.CONTENT_DISPOSITION,
                    ContentDisposition.attachment()
                        .filename(manifest.id() + CheckpointStore.extension(manifest.style()))
                        .build()
                        .toString())
            .header("Repr-Digest",
                    "sha-256=:" + Base64.getEncoder().encodeToString(HexFormat.of().parseHex(manifest.sha256())) + ":")
            .eTag("\"" + manifest.sha256() + "\"")
            .contentType(MediaType.APPLICATION_OCTET_STREAM)
            .body(download.data());
    }

    @PutMapping(path = "/checkpoints/{id}/file", consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    ResponseEntity<Manifest> upload(@PathVariable String id, @RequestBody(required = false) byte[] body) {
        Manifest saved = checkpoints.upload(id, body);
        return ResponseEntity.created(URI.create("/checkpoints/" + saved.id())).body(saved);
    }

}
