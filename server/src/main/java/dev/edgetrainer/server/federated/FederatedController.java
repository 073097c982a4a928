package dev.edgetrainer.server.federated;

import java.time.Instant;

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
    FederatedView view() {
        return new FederatedView(status.settings().enabled(), status.settings().server(),
                status.settings().rootCertificate() != null, status.settings().adopt().name(), status.state(),
                status.activity(), status.connectedSince(), status.nextAttempt(), status.rounds(), status.failures(),
                status.lastFit(), status.lastEvaluation(), status.lastAdoption(), status.lastError(),
                status.lastConnectionError());
    }

    @PostMapping("/federated/connect")
    FederatedView connect() {
        client.connect();
        return view();
    }

    @PostMapping("/federated/disconnect")
    FederatedView disconnect() {
        client.disconnect();
        return view();
    }

}
