package dev.edgetrainer.server.federated;

import dev.edgetrainer.server.system.EdgeException;

/** {@code POST /federated/connect} on a device that has no Flower server set. */
public class FederatedNotConfiguredException extends EdgeException {

    public FederatedNotConfiguredException() {
        super(Kind.CONFLICT, null, "no Flower server is configured: set edge.federated.server (host:port) and restart");
    }

}
