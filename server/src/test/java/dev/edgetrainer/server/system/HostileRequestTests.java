package dev.edgetrainer.server.system;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.edgetrainer.server.ForkedServer;
import dev.edgetrainer.server.ForkedServer.Reply;
import dev.edgetrainer.server.HostileInputs;
import dev.edgetrainer.server.HostileInputs.Multipart;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One request must never take the device down: bodies that are ordinary or small on the
 * wire and huge once decoded, sent to the server running with the deployment's JVM
 * settings ({@code deploy/edge-trainer.service}: {@code -Xmx96m},
 * {@code -XX:+ExitOnOutOfMemoryError}, ...) and the bundled model. Each is answered (a
 * photo classified, the rest refused with a problem) and the process stays up.
 */
@EnabledOnOs(value = OS.LINUX, disabledReason = "reads the server's resident memory from /proc")
class HostileRequestTests {

    /** A 518 KB gzip IDX upload declaring 680,000 images (533 MB inflated), made once. */
    private static final Multipart BOMB = new Multipart()
        .file("images", "images.gz", HostileInputs.gzipIdxImages(680_000))
        .file("labels", "labels.gz", HostileInputs.gzipIdxLabels(680_000));

    private static final String IMAGES_GZ = "t10k-images-idx3-ubyte.gz";

    private static final String LABELS_GZ = "t10k-labels-idx1-ubyte.gz";

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

    @AfterEach
    void theServerIsStillUp() {
        assertThat(server.isAlive()).as("the server process is alive; its log:\n%s", server.log()).isTrue();
        assertThat(server.get("/actuator/health").body().path("status").asString()).isEqualTo("UP");
        assertThat(server.log()).as("no stack traces for what clients did").doesNotContain("\tat ");
    }

    @Test
    void twelveMegapixelPhonePhotosAreClassifiedAsTheGarmentsTheyShow() {
        for (int index = 0; index < 5; index++) {
            int[] garment = HostileInputs.fashionMnistTestImage(index);
            byte[] photo = HostileInputs.phonePhoto(garment);
            assertThat(photo.length).as("a phone JPEG's size").isBetween(600_000, 2_500_000);

            Reply original = server.post("/infer", "image/png", TestFixtures.image(garment, "png"));
            Reply answer = server.post("/infer", "image/jpeg", photo);

            assertThat(answer.status()).as("%s", answer.body()).isEqualTo(200);
            assertThat(answer.body().at("/predictions/0/top/0/index").asInt()).as("garment %d", index)
                .isEqualTo(original.body().at("/predictions/0/top/0/index").asInt())
                .isEqualTo(HostileInputs.fashionMnistTestLabel(index));
        }
    }

    @Test
    void aSmallPngThatDecodesToSixteenMegapixelsIsClassified() {
        byte[] png = HostileInputs.blankPng(4000, 4000, HostileInputs.GRAY);
        assertThat(png.length).isLessThan(20_000);

        Reply answer = server.post("/infer", "image/png", png);

        assertThat(answer.status()).as("%s", answer.body()).isEqualTo(200);
        assertThat(answer.body().at("/predictions/0/probabilities").size()).isEqualTo(10);
    }

    @Test
    void imagesOfExtremeShapesWithinThePixelLimitAreAnsweredWithoutAServerError() {
        // Width, height, and the answer: decoded subsampled, or refused for the rows of
        // 40 MB a PNG decoder holds.
        for (int[] size : new int[][] { { 1, 40_000_000, 200 }, { 46341, 863, 200 }, { 40_000, 1000, 200 },
                { 40_000_000, 1, 413 } }) {
            byte[] png = HostileInputs.blankPng(size[0], size[1], HostileInputs.GRAY);

            Reply answer = server.post("/infer", "image/png", png);

            assertThat(answer.status()).as("%dx%d: %s", size[0], size[1], answer.body()).isEqualTo(size[2]);
            if (answer.status() != 200) {
                assertThat(answer.isProblem()).isTrue();
                assertThat(answer.body().path("field").asString()).isEqualTo("image");
            }
        }
    }

    @Test
    void aJsonInferBodyUnderTheBodyLimitThatWouldNotFitTheHeapIsRefused() {
        byte[] json = HostileInputs.jsonZeros("x", 12_600_000);

        Reply answer = server.post("/infer", "application/json", json);

        assertThat(answer.status()).as("%s", answer.body()).isEqualTo(413);
        assertThat(answer.isProblem()).isTrue();
        assertThat(answer.body().path("field").asString()).isEqualTo("x");
        assertThat(answer.body().path("detail").asString()).contains("edge.limits.request-memory");
    }

    @Test
    void anIdxUploadWhoseHeaderDeclaresMoreImagesThanTheLimitIsRefusedBeforeItIsInflated() {
        byte[] upload = BOMB.bytes();
        assertThat(upload.length).isLessThan(600_000);

        Reply answer = server.post("/train", BOMB.contentType(), upload);

        assertThat(answer.status()).as("%s", answer.body()).isEqualTo(413);
        assertThat(answer.isProblem()).isTrue();
        assertThat(answer.body().path("field").asString()).isEqualTo("images");
        assertThat(answer.body().path("detail").asString()).contains("680000").contains("edge.limits.max-samples");
    }

    @Test
    void uploadsWhileAJobRunsAreAllRefusedBeforeTheirBodiesAreSent() throws Exception {
        HostileInputs.assumeFashionMnist();
        Multipart data = new Multipart()
            .file("images", IMAGES_GZ, Files.readAllBytes(HostileInputs.FASHION_MNIST.resolve(IMAGES_GZ)))
            .file("labels", LABELS_GZ, Files.readAllBytes(HostileInputs.FASHION_MNIST.resolve(LABELS_GZ)));
        Reply job = server.post("/train?async=true&epochs=50&batchSize=10", data.contentType(), data.bytes());
        assertThat(job.status()).as("%s", job.body()).isEqualTo(202);
        String id = job.body().path("id").asString();

        int bombLength = BOMB.bytes().length;
        List<Reply> answers = new ArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(12);
        try {
            List<Future<Reply>> sent = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                sent.add(clients.submit(() -> server.answerBeforeBody("/train", BOMB.contentType(), bombLength)));
            }
            for (Future<Reply> reply : sent) {
                answers.add(reply.get());
            }
        }
        finally {
            clients.shutdown();
            server.client().delete().uri(server.uri("/train/jobs/" + id)).retrieve().toBodilessEntity();
        }

        assertThat(answers).allSatisfy(answer -> {
            assertThat(answer.status()).as("%s", answer.body()).isEqualTo(409);
            assertThat(answer.isProblem()).isTrue();
            assertThat(answer.body().path("detail").asString()).contains(id);
        });
        assertThat(server.rssBytes()).as("resident memory under the unit's MemoryMax")
            .isLessThan(ForkedServer.Deployment.UNIT.memoryMax());
        awaitNoJobRunning();
        assertThat(server.answerBeforeBody("/train", BOMB.contentType(), bombLength).status())
            .as("with no job running the body is asked for")
            .isEqualTo(100);
    }

    private static void awaitNoJobRunning() throws InterruptedException {
        for (int i = 0; i < 600
                && server.get("/train/jobs").body().findValuesAsString("status").contains("RUNNING"); i++) {
            Thread.sleep(100);
        }
    }

}
