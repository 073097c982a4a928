package dev.edgetrainer.server.federated;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/**
 * The {@code federated} health component. Joined: UP. Waiting for an absent server: UP
 * too, with the state, the last failure and the next attempt in the details, because the
 * device still serves and trains: a Flower server that is down must not make a fleet of
 * working devices look down (a failing round shows in {@code edge.federated.failures}).
 * Not configured, or not joining: UNKNOWN, which does not change the overall status.
 */
@Component("federated")
class FederatedHealthIndicator extends AbstractHealthIndicator {

    private final FederatedStatus status;

    FederatedHealthIndicator(FederatedStatus status) {
        super("federated health check failed");
        this.status = status;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        FederatedStatus.State state = status.state();
        switch (state) {
            case NOT_CONFIGURED, STOPPED -> builder.unknown();
            default -> builder.up();
        }
        builder.withDetail("state", state).withDetail("rounds", status.rounds());
        if (status.settings().server() != null) {
            builder.withDetail("server", status.settings().server());
        }
        if (status.nextAttempt() != null) {
            builder.withDetail("nextAttempt", status.nextAttempt());
        }
        if (status.lastError() != null) {
            builder.withDetail("lastError", status.lastError());
        }
        if (status.lastConnectionError() != null) {
            builder.withDetail("lastConnectionError", status.lastConnectionError());
        }
    }

}
