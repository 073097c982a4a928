package dev.edgetrainer.server.federated;

import java.time.Instant;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /federated}: the device as a Flower client; {@code POST /federated/connect}
 * and {@code /disconnect} to join or leave.
 */
@RestController
@Tag(name = "federated")
class FederatedController {

    static final String VIEW_EXAMPLE = """
            {"enabled":true,"server":"flower.example:9092","tls":false,"adopt":"GLOBAL","state":"CONNECTED",
             "activity":"IDLE","connectedSince":"2025-01-01T12:00:00Z","rounds":3,"failures":0,
             "lastFit":{"round":3,"at":"2025-01-01T12:01:10Z","durationMs":812,"examples":1806,"epochs":1,
                        "loss":0.41,"accuracy":0.87,"job":"6c0e7a52-8f0b-4c41-9d1e-2f7c2b1f4a10"},
             "lastEvaluation":{"round":3,"at":"2025-01-01T12:01:12Z","examples":194,"loss":0.62,"accuracy":0.78,
                               "ownAccuracy":0.74,"adopted":true},
             "lastAdoption":{"round":3,"at":"2025-01-01T12:01:12Z","checkpoint":"20250101T120112000Z-s170"}}""";

    private final FlowerClient client;

    private final FederatedStatus status;

    FederatedController(FlowerClient client, FederatedStatus status) {
        this.client = client;
        this.status = status;
    }

    /**
     * @param enabled whether the device joins at startup ({@code edge.federated.enabled})
     * @param state {@code NOT_CONFIGURED}, {@code STOPPED}, {@code CONNECTING},
     * {@code CONNECTED} or {@code WAITING} (for the next attempt)
     * @param activity what the device does for the server now
     * @param rounds fits answered OK since startup
     * @param failures instructions answered non-OK and connections lost, since startup
     * @param lastError the last instruction that failed: answered non-OK, broken off, or
     * unreadable
     * @param lastConnectionError the last time the server could not be reached
     */
    record FederatedView(boolean enabled, String server, boolean tls, String adopt, FederatedStatus.State state,
            FederatedStatus.Activity activity, Instant connectedSince, Instant nextAttempt, long rounds, long failures,
            FederatedStatus.Fit lastFit, FederatedStatus.Evaluation lastEvaluation,
            FederatedStatus.Adoption lastAdoption, FederatedStatus.Failure lastError,
            FederatedStatus.Failure lastConnectionError) {
    }

    @GetMapping("/federated")
    @Operation(summary = "The device as a Flower client: state, server, rounds, last fit and evaluation, last error",
            responses = @ApiResponse(responseCode = "200", content = @Content(examples = @ExampleObject(VIEW_EXAMPLE))))
    FederatedView view() {
        return new FederatedView(status.settings().enabled(), status.settings().server(),
                status.settings().rootCertificate() != null, status.settings().adopt().name(), status.state(),
                status.activity(), status.connectedSince(), status.nextAttempt(), status.rounds(), status.failures(),
                status.lastFit(), status.lastEvaluation(), status.lastAdoption(), status.lastError(),
                status.lastConnectionError());
    }

    @PostMapping("/federated/connect")
    @Operation(summary = "Join the Flower server now, and rejoin it whenever it is away", responses = {
            @ApiResponse(responseCode = "200", content = @Content(examples = @ExampleObject("""
                    {"enabled":false,"server":"flower.example:9092","tls":false,"adopt":"GLOBAL",
                     "state":"CONNECTING","activity":"IDLE","rounds":0,"failures":0}"""))),
            @ApiResponse(responseCode = "409", description = "edge.federated.server is not set", content = @Content(
                    mediaType = "application/problem+json",
                    examples = @ExampleObject("""
                            {"type":"about:blank","title":"Conflict","status":409,"detail":"no Flower server is configured: set edge.federated.server (host:port) and restart","instance":"/federated/connect"}"""))) })
    FederatedView connect() {
        client.connect();
        return view();
    }

    @PostMapping("/federated/disconnect")
    @Operation(summary = "Leave the Flower server; a round in progress is cancelled and the weights put back",
            responses = @ApiResponse(responseCode = "200", content = @Content(examples = @ExampleObject("""
                    {"enabled":true,"server":"flower.example:9092","tls":false,"adopt":"GLOBAL","state":"STOPPED",
                     "activity":"IDLE","rounds":3,"failures":0}"""))))
    FederatedView disconnect() {
        client.disconnect();
        return view();
    }

}
