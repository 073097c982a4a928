package dev.edgetrainer.server.system;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.edgetrainer.server.ForkedServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A hundred clients sending their bodies at one byte a second, and ten that stop half
 * way, must not keep anyone else from {@code /infer} or the watchdog from
 * {@code /actuator/health/liveness}, and are cut off themselves: the tricklers once the
 * body grace period is over, the stalled ones by the connection timeout. Against the
 * server with the deployment's JVM settings.
 */
class SlowSenderTests {

    private static final int SLOW_CLIENTS = 100;

    private static final int STALLED_CLIENTS = 10;

    /**
     * A probe or a user waits this long for an answer; Docker's HEALTHCHECK waits 5 s.
     */
    private static final Duration PATIENCE = Duration.ofSeconds(3);

    @TempDir
    static Path dir;

    private static ForkedServer server;

    @BeforeAll
    static void start() {
        server = ForkedServer.deployed(dir);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void othersAreServedWhileAHundredClientsTrickleTheirBodiesAndTheTricklersAreCutOff() throws Exception {
        ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
        List<Socket> slow = new ArrayList<>();
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < SLOW_CLIENTS + STALLED_CLIENTS; i++) {
                // Half the stalled ones wait for a 100 Continue and then send nothing.
                boolean expect = i >= SLOW_CLIENTS + STALLED_CLIENTS / 2;
                Socket socket = new Socket("localhost", server.port());
                socket.getOutputStream()
                    .write(("POST /infer HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/png\r\n"
                            + "Content-Length: 100000\r\n"
                            + (expect ? "Expect: 100-continue\r\n\r\n" : "\r\n0123456789"))
                        .getBytes(StandardCharsets.US_ASCII));
                (i < SLOW_CLIENTS ? slow : stalled).add(socket);
            }
            trickle.scheduleAtFixedRate(() -> slow.forEach(SlowSenderTests::oneByte), 0, 1, TimeUnit.SECONDS);

            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            byte[] png = TestFixtures.png(3);
            Instant end = Instant.now().plusSeconds(15);
            int rounds = 0;
            while (Instant.now().isBefore(end)) {
                assertThat(status(http, HttpRequest.newBuilder(server.uri("/actuator/health/liveness")).GET()))
                    .as("liveness during the trickle")
                    .isEqualTo(200);
                assertThat(status(http,
                        HttpRequest.newBuilder(server.uri("/infer"))
                            .header("Content-Type", "image/png")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(png))))
                    .as("/infer during the trickle")
                    .isEqualTo(200);
                rounds++;
                Thread.sleep(500);
            }
            assertThat(rounds).isGreaterThan(5);

            // By now every trickler has been answered (408) or dropped by the server.
            for (Socket socket : slow) {
                assertThat(answerOrClose(socket, Duration.ofSeconds(1))).as("what a trickler got")
                    .matches("HTTP/1.1 408.*|closed");
            }
            // The connection timeout (20 s) drops the ones that went quiet.
            for (Socket socket : stalled) {
                assertThat(answerOrClose(socket, Duration.ofSeconds(15))).as("what a stalled sender got")
                    .matches("HTTP/1.1 (100 |408).*|closed");
            }
        }
        finally {
            trickle.shutdownNow();
            for (Socket socket : slow) {
                socket.close();
            }
            for (Socket socket : stalled) {
                socket.close();
            }
        }
        assertThat(server.isAlive()).isTrue();
        assertThat(server.log()).as("no stack traces for what clients did").doesNotContain("\tat ");
    }

    private static int status(HttpClient http, HttpRequest.Builder request) throws InterruptedException {
        try {
            return http.send(request.timeout(PATIENCE).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        }
        catch (IOException e) {
            return -1;
        }
    }

    private static void oneByte(Socket socket) {
        try {
            OutputStream out = socket.getOutputStream();
            out.write(0);
            out.flush();
        }
        catch (IOException e) {
            // The server has cut this one off.
        }
    }

    /** The status line the server sent, or "closed". */
    private static String answerOrClose(Socket socket, Duration wait) throws IOException {
        socket.setSoTimeout((int) wait.toMillis());
        InputStream in = socket.getInputStream();
        StringBuilder line = new StringBuilder();
        try {
            for (int b = in.read(); b >= 0 && b != '\r'; b = in.read()) {
                line.append((char) b);
            }
        }
        catch (SocketTimeoutException e) {
            return "no answer yet";
        }
        catch (IOException e) {
            return "closed";
        }
        return line.isEmpty() ? "closed" : line.toString();
    }

}
