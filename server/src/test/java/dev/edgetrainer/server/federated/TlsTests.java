package dev.edgetrainer.server.federated;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import dev.edgetrainer.server.TestFixtures;
import io.grpc.TlsServerCredentials;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code edge.federated.root-certificate}: the device speaks TLS to a server whose
 * certificate that CA signed, and refuses one it did not.
 */
class TlsTests {

    @TempDir
    Path dir;

    @Test
    void joinsOverTlsAServerItsRootCertificateVouchesForAndNoOther() throws Exception {
        Path cert = selfSigned("server");
        Path stranger = selfSigned("stranger");
        int port = FlowerServer.freePort();
        try (ScriptedFlowerServer server = new ScriptedFlowerServer(port,
                TlsServerCredentials.create(cert.toFile(), dir.resolve("server-key.pem").toFile()));
                Device trusting = Device.start(dir.resolve("trusting"),
                        TestFixtures.writeModel(dir, TestFixtures.SMALL), port,
                        "--edge.federated.server=localhost:" + port, "--edge.federated.root-certificate=" + cert);
                Device doubting = Device.start(dir.resolve("doubting"),
                        TestFixtures.writeModel(dir, TestFixtures.SMALL), port,
                        "--edge.federated.server=localhost:" + port, "--edge.federated.root-certificate=" + stranger)) {
            assertThat(trusting.federated().get("tls").asBoolean()).isTrue();
            server.accept().weights();

            String refused = doubting.awaitFederated(v -> v.has("lastConnectionError"), Duration.ofSeconds(60))
                .get("lastConnectionError")
                .get("message")
                .asString();
            assertThat(refused).contains("UNAVAILABLE");
            assertThat(doubting.federated().get("state").asString()).isNotEqualTo("CONNECTED");
        }
    }

    /** A self-signed certificate for localhost made with openssl, its key beside it. */
    private Path selfSigned(String name) throws IOException, InterruptedException {
        Path cert = dir.resolve(name + "-cert.pem");
        Process openssl;
        try {
            openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout",
                    dir.resolve(name + "-key.pem").toString(), "-out", cert.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        }
        catch (IOException e) {
            Assumptions.abort("needs the openssl command (Debian package openssl) to make certificates");
            throw e;
        }
        assertThat(openssl.waitFor()).as("openssl made a certificate").isZero();
        return cert;
    }

}
