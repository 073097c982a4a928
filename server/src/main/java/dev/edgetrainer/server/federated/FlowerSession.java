package dev.edgetrainer.server.federated;

import dev.edgetrainer.server.federated.proto.ClientMessage;
import dev.edgetrainer.server.federated.proto.ServerMessage;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;

/**
 * One {@code FlowerService.Join} stream. gRPC calls it on its own threads; it hands every
 * event to the {@link FlowerClient}, which answers on its worker thread through
 * {@link #send}. Once closed, a session sends nothing more.
 */
final class FlowerSession implements ClientResponseObserver<ClientMessage, ServerMessage> {

    private final FlowerClient client;

    private ClientCallStreamObserver<ClientMessage> requests;

    private volatile boolean ready;

    private volatile boolean closed;

    private volatile boolean dismissed;

    private volatile boolean abandoned;

    private volatile boolean busy;

    private volatile long reconnectSeconds;

    FlowerSession(FlowerClient client) {
        this.client = client;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<ClientMessage> requestStream) {
        this.requests = requestStream;
        requestStream.setOnReadyHandler(() -> {
            if (!ready) {
                ready = true;
                client.ready(this);
            }
        });
    }

    @Override
    public void onNext(ServerMessage message) {
        client.received(this, message);
    }

    @Override
    public void onError(Throwable error) {
        closed = true;
        client.ended(this, error);
    }

    @Override
    public void onCompleted() {
        closed = true;
        client.ended(this, null);
    }

    synchronized void send(ClientMessage message) {
        if (!closed) {
            requests.onNext(message);
        }
    }

    /**
     * Ends our side after the server said goodbye; the server then ends its own.
     * @param seconds when the server asked the device to come back; 0 when it did not say
     */
    synchronized void finish(long seconds) {
        dismissed = true;
        reconnectSeconds = seconds;
        if (!closed) {
            requests.onCompleted();
        }
    }

    /** Drops the stream at once; whoever does so has reported why. */
    synchronized void cancel(String why) {
        if (!closed) {
            closed = true;
            abandoned = true;
            requests.cancel(why, null);
        }
    }

    /** The stream was established with the server. */
    boolean wasReady() {
        return ready;
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * The server asked the device to leave ({@code reconnect_ins}); its end is normal.
     */
    boolean wasDismissed() {
        return dismissed;
    }

    /** The device dropped the stream itself, having reported why. */
    boolean wasAbandoned() {
        return abandoned;
    }

    long reconnectSeconds() {
        return reconnectSeconds;
    }

    /** An instruction is being carried out. */
    boolean isBusy() {
        return busy;
    }

    void busy(boolean now) {
        busy = now;
    }

}
