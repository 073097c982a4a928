package dev.edgetrainer.server.federated;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import dev.edgetrainer.server.federated.proto.FlowerServiceGrpc;
import dev.edgetrainer.server.federated.proto.ServerMessage;
import dev.edgetrainer.server.system.EdgeProperties;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.SmartLifecycle;

/**
 * The device as a Flower client: joins the server's {@code FlowerService.Join} stream and
 * carries out its instructions one at a time on its own worker thread (the model work
 * itself goes through the interpreter's queue, so the device keeps serving). When the
 * server is away or the stream breaks, it tries again after an exponential backoff with
 * jitter, until it is disconnected by hand or the server stops; a server that ends the
 * session ({@code reconnect_ins}) is asked again after the seconds it gave, else after
 * the first backoff. Failures are logged once per outage and counted by reason.
 */
final class FlowerClient implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(FlowerClient.class);

    private final EdgeProperties.Federated settings;

    private final RoundHandler handler;

    private final FederatedStatus status;

    private final FederatedMetrics metrics;

    private final Backoff backoff;

    private final ScheduledExecutorService scheduler = Executors
        .newSingleThreadScheduledExecutor(named("edge-federated-connect"));

    private final ExecutorService worker = Executors.newSingleThreadExecutor(named("edge-federated"));

    // Guarded by this.
    private boolean running;

    private boolean wanted;

    private ManagedChannel channel;

    private FlowerSession session;

    private ScheduledFuture<?> next;

    private int failures;

    private boolean outageReported;

    FlowerClient(EdgeProperties.Federated settings, RoundHandler handler, FederatedStatus status,
            FederatedMetrics metrics, Backoff backoff) {
        this.settings = settings;
        this.handler = handler;
        this.status = status;
        this.metrics = metrics;
        this.backoff = backoff;
    }

    private static ThreadFactory named(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    @Override
    public synchronized void start() {
        running = true;
        if (settings.enabled()) {
            connect();
        }
    }

    @Override
    public void stop() {
        synchronized (this) {
            running = false;
            disconnect();
        }
        scheduler.shutdownNow();
        worker.shutdownNow();
        try {
            worker.awaitTermination(30, TimeUnit.SECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return running;
    }

    /**
     * Joins the server now, and keeps rejoining it until {@link #disconnect}.
     * @throws FederatedNotConfiguredException when no server is set
     */
    synchronized void connect() {
        if (status.state() == FederatedStatus.State.NOT_CONFIGURED) {
            throw new FederatedNotConfiguredException();
        }
        wanted = true;
        if (session != null) {
            return;
        }
        if (next != null) {
            next.cancel(false);
        }
        failures = 0;
        attempt();
    }

    /** Leaves the server, cancelling a round in progress (the weights are put back). */
    synchronized void disconnect() {
        wanted = false;
        if (next != null) {
            next.cancel(false);
            next = null;
        }
        FlowerSession ending = session;
        session = null;
        if (ending != null) {
            ending.cancel("disconnected");
            log.info("Left the Flower server at {}", settings.server());
        }
        handler.abort();
        if (channel != null) {
            channel.shutdownNow();
            channel = null;
        }
        if (status.state() != FederatedStatus.State.NOT_CONFIGURED) {
            status.stopped();
        }
    }

    private synchronized void attempt() {
        next = null;
        if (!wanted) {
            return;
        }
        status.connecting();
        FlowerSession attempt = new FlowerSession(this);
        session = attempt;
        try {
            if (channel == null) {
                channel = newChannel();
            }
            FlowerServiceGrpc.newStub(channel).join(attempt);
        }
        catch (IOException | RuntimeException e) {
            ended(attempt, e);
        }
    }

    private ManagedChannel newChannel() throws IOException {
        ChannelCredentials credentials = settings.rootCertificate() == null ? InsecureChannelCredentials.create()
                : TlsChannelCredentials.newBuilder().trustManager(settings.rootCertificate().toFile()).build();
        return Grpc.newChannelBuilder(settings.server(), credentials)
            .maxInboundMessageSize((int) settings.maxMessageSize().toBytes())
            .userAgent("edge-trainer")
            .build();
    }

    synchronized void ready(FlowerSession ready) {
        if (ready == session) {
            status.connected();
            outageReported = false;
            log.info("Joined the Flower server at {}", settings.server());
        }
    }

    void received(FlowerSession from, ServerMessage message) {
        metrics.received(message.getSerializedSize());
        worker.execute(() -> carryOut(from, message));
    }

    private void carryOut(FlowerSession from, ServerMessage message) {
        if (from.isClosed()) {
            return;
        }
        synchronized (this) {
            // The server talks: it is there, so the next outage starts from a short wait.
            failures = 0;
        }
        from.busy(true);
        try {
            RoundHandler.Reply reply = handler.handle(message, from::isClosed);
            metrics.sent(reply.message().getSerializedSize());
            from.send(reply.message());
            if (reply.close()) {
                from.finish(reply.reconnectSeconds());
            }
        }
        catch (RoundHandler.LostException e) {
            log.warn("{}; the round's training was cancelled and the weights put back", e.getMessage());
        }
        catch (RoundHandler.ProtocolException e) {
            failed("protocol", "the server sent " + e.getMessage() + "; reconnecting");
            from.cancel("unreadable instruction");
        }
        catch (RuntimeException e) {
            log.error("Carrying out a Flower instruction failed", e);
            failed("server_fault", "an instruction failed: " + e);
            from.cancel("internal error");
        }
        finally {
            from.busy(false);
        }
    }

    synchronized void ended(FlowerSession ending, Throwable error) {
        if (ending != session) {
            return;
        }
        session = null;
        handler.abort();
        Duration delay;
        if (ending.wasDismissed()) {
            log.info("The Flower server at {} ended the session", settings.server());
            delay = ending.reconnectSeconds() > 0 ? Duration.ofSeconds(ending.reconnectSeconds()) : backoff.delay(0);
        }
        else {
            if (!ending.wasAbandoned()) {
                report(ending, error);
            }
            delay = backoff.delay(failures++);
        }
        if (!wanted || !running) {
            status.stopped();
            return;
        }
        status.waiting(delay);
        next = scheduler.schedule(this::attempt, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void report(FlowerSession ending, Throwable error) {
        Status grpc = error == null ? Status.UNAVAILABLE.withDescription("the server closed the stream")
                : Status.fromThrowable(error);
        String detail = grpc.getCode() + (grpc.getDescription() == null ? "" : ": " + grpc.getDescription());
        if (grpc.getCode() == Status.Code.RESOURCE_EXHAUSTED) {
            failed("protocol", "a message from " + settings.server() + " was refused (" + detail
                    + "); edge.federated.max-message-size is " + settings.maxMessageSize());
        }
        else if (ending.isBusy()) {
            failed("lost", "the connection to " + settings.server() + " broke during a round: " + detail);
        }
        else if (!outageReported) {
            outageReported = true;
            failed(FederatedMetrics.UNAVAILABLE, (ending.wasReady() ? "lost the connection to " : "cannot reach ")
                    + settings.server() + ": " + detail + "; retrying with backoff");
        }
    }

    private void failed(String reason, String message) {
        log.warn("Federated: {}", message);
        status.failed(new FederatedStatus.Failure(Instant.now(), reason, message));
        metrics.failed(reason);
    }

}
