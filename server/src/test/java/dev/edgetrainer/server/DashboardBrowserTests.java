package dev.edgetrainer.server;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import javax.imageio.ImageIO;

import dev.edgetrainer.model.data.Dataset;
import dev.edgetrainer.model.graph.MlpModelWriter;
import dev.edgetrainer.model.graph.MlpSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import tools.jackson.databind.JsonNode;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The dashboard at {@code GET /} in a real headless Chromium against the real server
 * hosting the bundled model (which carries its pretraining history).
 */
class DashboardBrowserTests {

    private static final String TOKEN = "a-long-enough-fleet-token";

    /** The colours the two curves are drawn in (dashboard.js). */
    private static final int[] PRETRAIN_BLUE = { 0x1a, 0x56, 0xb0 };

    private static final int[] DEVICE_ORANGE = { 0xb4, 0x4a, 0x0a };

    @TempDir
    static Path dir;

    private static ConfigurableApplicationContext server;

    private static String base;

    private static RestClient http;

    @BeforeAll
    static void startServer() {
        Browser.assumeInstalled();
        server = RunningServer.start(null, dir.resolve("checkpoints"));
        base = "http://localhost:" + RunningServer.port(server) + "/";
        http = RunningServer.client(RunningServer.port(server), null);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void cleanSlate() {
        JsonNode list = http.get().uri("/checkpoints").retrieve().body(JsonNode.class);
        for (JsonNode checkpoint : list.get("checkpoints")) {
            http.delete().uri("/checkpoints/{id}", checkpoint.get("id").asString()).retrieve().toBodilessEntity();
        }
        http.post().uri("/checkpoint/reset").retrieve().toBodilessEntity();
    }

    /** Trains on IDX files and waits for the job to finish. */
    private static void train(RestClient client, byte[] images, byte[] labels, String query) {
        var parts = RunningServer.parts();
        parts.add("images", RunningServer.file(images, "images.idx"));
        parts.add("labels", RunningServer.file(labels, "labels.idx"));
        int status = client.post()
            .uri("/train?" + query)
            .contentType(MediaType.MULTIPART_FORM_DATA)
            .body(parts)
            .retrieve()
            .toBodilessEntity()
            .getStatusCode()
            .value();
        assertThat(status).isEqualTo(200);
    }

    /** Two epochs of {@code count} labelled synthetic images, in batches of 8. */
    private static void train(RestClient client, int count) {
        train(client, TestFixtures.idxImages(count), TestFixtures.idxLabels(count), "batchSize=8&epochs=2");
    }

    @Test
    void thePageShowsBothLossCurvesTheGridAndTheModelUsingOnlyThisServer() {
        // One inference for the latency figures; the 25 training samples then fill the
        // grid.
        http.post()
            .uri("/infer")
            .contentType(MediaType.IMAGE_PNG)
            .body(TestFixtures.png(5))
            .retrieve()
            .toBodilessEntity();
        train(http, 40);
        long steps = deviceSteps();
        try (Browser browser = Browser.open(1280, 900)) {
            browser.get(base);

            List<WebElement> cells = browser.await("25 labelled samples in the grid",
                    page -> cellsWith(browser, "li.right, li.wrong", 25));
            assertThat(browser.findAll("#grid > li")).hasSize(25);
            for (WebElement cell : cells) {
                assertThat(cell.findElement(By.tagName("img")).getAttribute("alt")).startsWith("Predicted ")
                    .containsAnyOf(", right", ", wrong: it is ");
                assertThat(cell.findElement(By.className("caption")).getText()).matches("(?s)[✓✗] .+ \\d+(\\.\\d)?%.*");
            }
            browser.await("the device curve", page -> coloured(browser, "device-chart", DEVICE_ORANGE) > 50);
            assertThat(coloured(browser, "pretrain-chart", PRETRAIN_BLUE)).isGreaterThan(200);
            assertThat(browser.byId("pretrain-chart").getAttribute("aria-label"))
                .startsWith("Pretraining loss over 100 epochs: from 0.");
            assertThat(browser.byId("device-chart").getAttribute("aria-label")).startsWith(
                    "Device training loss, smoothed, over " + String.format(Locale.US, "%,d", steps) + " steps");
            assertThat(browser.byId("pretrain-empty").isDisplayed()).isFalse();
            assertThat(browser.byId("model").getText()).contains("train, infer, save, restore")
                .doesNotContain("float32");
            browser.find("#model summary").click();
            assertThat(browser.byId("model").getText()).contains("train(x: float32[-1, 28, 28], y: float32[-1, 10])")
                .contains("none: builtin ops only")
                .contains("28×28 grayscale image");
            browser.await("the status tiles", page -> browser.byId("stat-step").getText().equals("10"));
            assertThat(browser.byId("stat-infer").getText()).matches("[0-9.]+ / [0-9.]+ ms");

            assertThat(browser.<Boolean>script(
                    "return [...document.querySelectorAll('input, select')].every(i => i.labels.length > 0)"))
                .as("every input has a label")
                .isTrue();
            List<String> loaded = browser.script(
                    "return [location.href]" + ".concat(performance.getEntriesByType('resource').map(e => e.name))");
            assertThat(loaded).anyMatch(url -> url.endsWith("/webjars/chart.js/dist/chart.umd.min.js"))
                .anyMatch(url -> url.endsWith("/dashboard/dashboard.js"))
                .anyMatch(url -> url.contains("/train/history"))
                .allMatch(url -> url.startsWith(base) || url.startsWith("data:") || url.startsWith("blob:"));
            assertThat(browser.byId("token-dialog").isDisplayed()).isFalse();
            // This device is given no Flower server: no panel.
            assertThat(browser.byId("federated").isDisplayed()).isFalse();
            // The server names itself (edge.device.id, by default the host name).
            String device = http.get()
                .uri("/actuator/info")
                .retrieve()
                .body(JsonNode.class)
                .get("device")
                .get("id")
                .asString();
            assertThat(browser.byId("device-id").getText()).isEqualTo("device " + device);
            assertThat(scriptErrors(browser)).isEmpty();
        }
    }

    @Test
    void anUploadedImageComesBackWithItsTopClassesAsBars() throws IOException {
        byte[] png = TestFixtures.png(3);
        Path file = dir.resolve("upload.png");
        Files.write(file, png);
        JsonNode expected = http.post()
            .uri("/infer?top=5")
            .contentType(MediaType.IMAGE_PNG)
            .body(png)
            .retrieve()
            .body(JsonNode.class)
            .get("predictions")
            .get(0)
            .get("top");
        try (Browser browser = Browser.open(1280, 900)) {
            browser.get(base);
            browser.byId("infer-file").sendKeys(file.toString());
            browser.find("#infer-form button[type=submit]").click();

            List<WebElement> bars = browser.await("five bars", page -> cellsWith(browser, "#prediction .bars li", 5));
            for (int i = 0; i < 5; i++) {
                String label = expected.get(i).get("label").asString();
                assertThat(bars.get(i).findElement(By.className("name")).getText()).isEqualTo(label);
                assertThat(bars.get(i).findElement(By.className("value")).getText()).endsWith("%");
            }
            double widest = browser
                .script("return document.querySelector('#prediction .fill').getBoundingClientRect().width / "
                        + "document.querySelector('#prediction .track').getBoundingClientRect().width");
            assertThat(widest).isCloseTo(expected.get(0).get("probability").asDouble(), offset(0.02));
            // What was sent shows up in the grid, without a true label.
            browser.await("an unlabelled sample", page -> !browser.findAll("#grid li.unknown").isEmpty());
            assertThat(scriptErrors(browser)).isEmpty();
        }
    }

    @Test
    void theSaveButtonAddsACheckpointThatCanBeRestored() {
        try (Browser browser = Browser.open(1280, 900)) {
            browser.get(base);
            browser.await("no checkpoints", page -> browser.byId("checkpoints-empty").isDisplayed());

            browser.byId("save").click();

            WebElement row = browser.await("one checkpoint", page -> cellsWith(browser, "#checkpoints li", 1)).get(0);
            String id = http.get().uri("/checkpoints").retrieve().body(JsonNode.class).get("current").asString();
            assertThat(row.getText()).contains(id).contains("current").contains("save");
            assertThat(browser.byId("toast").getText()).isEqualTo("Saved checkpoint " + id + ".");

            http.post().uri("/checkpoint/reset").retrieve().toBodilessEntity();
            row.findElement(By.xpath(".//button[text()='Restore']")).click();

            browser.await("restored", page -> browser.byId("toast").getText().equals("Restored " + id + "."));
            assertThat(http.get().uri("/checkpoints").retrieve().body(JsonNode.class).get("current").asString())
                .isEqualTo(id);
        }
    }

    @Test
    void trainingFromThePageShowsProgressAndTheCurveGrowsLive() throws IOException {
        Path images = dir.resolve("images.idx");
        Path labels = dir.resolve("labels.idx");
        Files.write(images, TestFixtures.idxImages(2000));
        Files.write(labels, TestFixtures.idxLabels(2000));
        long before = deviceSteps();
        try (Browser browser = Browser.open(1280, 900)) {
            browser.get(base);
            browser.await("the live stream", page -> browser.byId("live").isDisplayed());

            browser.find("input[name=mode][value=idx]").click();
            browser.byId("train-images").sendKeys(images.toString());
            browser.byId("train-labels").sendKeys(labels.toString());
            browser.byId("train-epochs").clear();
            browser.byId("train-epochs").sendKeys("3");
            browser.byId("train-batch").clear();
            browser.byId("train-batch").sendKeys("10");
            browser.find("#train-form button[type=submit]").click();

            browser.await("the job to finish",
                    page -> browser.byId("job-title").getText().equals("Training succeeded"));
            assertThat(browser.byId("job-text").getText()).startsWith("Epoch 3 of 3 · step 600 of 600 · loss ");
            assertThat(browser.byId("job-progress").getAttribute("value")).isEqualTo("600");
            // The steps arrived through the stream: the page was never reloaded.
            long steps = before + 600;
            browser.await("the live curve", page -> browser.byId("device-chart")
                .getAttribute("aria-label")
                .startsWith(
                        "Device training loss, smoothed, over " + String.format(Locale.US, "%,d", steps) + " steps"));
            assertThat(scriptErrors(browser)).isEmpty();
        }
    }

    @Test
    void everyControlIsReachableByKeyboardWithAVisibleFocus() {
        try (Browser browser = Browser.open(1280, 900)) {
            browser.get(base);
            browser.await("the model", page -> browser.byId("model").getText().contains("Signatures"));

            // Where a keyboard user starts: the skip link, the first thing on the page.
            browser.script("document.querySelector('.skip').focus()");
            assertThat(browser.focused().getText()).isEqualTo("Skip to content");
            assertThat(browser.focused().getRect().getX()).isGreaterThanOrEqualTo(0);
            Set<String> reached = new HashSet<>();
            for (int i = 0; i < 40; i++) {
                browser.press(Keys.TAB);
                WebElement focused = browser.focused();
                if (focused.getTagName().equals("body")) {
                    // Past the last control the focus leaves the page.
                    break;
                }
                String name = focused.getAttribute("id").isEmpty() ? focused.getText() : focused.getAttribute("id");
                reached.add(name);
                assertThat(focused.getCssValue("outline-style")).as("focus outline of " + name).isNotEqualTo("none");
            }

            assertThat(reached).contains("token-button", "infer-file", "train-image", "train-label", "train-epochs",
                    "train-batch", "save");
        }
    }

    @Test
    void aTokenPromptAppearsWhenTheDeviceNeedsOne() {
        // The device's name (edge.device.id) is device.id in /actuator/info, which the
        // page
        // shows.
        try (ConfigurableApplicationContext guarded = RunningServer.start(null, dir.resolve("guarded"),
                "--edge.security.token=" + TOKEN, "--edge.device.id=pi-17");
                Browser browser = Browser.open(1280, 900)) {
            RestClient authorized = RunningServer.client(RunningServer.port(guarded), TOKEN);
            train(authorized, 30);
            browser.get("http://localhost:" + RunningServer.port(guarded) + "/");

            browser.await("the token prompt", page -> browser.byId("token-dialog").isDisplayed());
            assertThat(browser.focused().getAttribute("id")).isEqualTo("token-input");
            browser.press("not-the-token-at-all", Keys.ENTER);
            browser.await("the prompt again", page -> browser.byId("token-dialog").isDisplayed()
                    && browser.byId("token-reason").getText().contains("not accepted"));
            browser.press(TOKEN, Keys.ENTER);

            browser.await("the grid", page -> cellsWith(browser, "#grid li.right, #grid li.wrong", 25));
            assertThat(browser.byId("token-dialog").isDisplayed()).isFalse();
            assertThat(browser.<String>script("return sessionStorage.getItem('edgetrainer.token')")).isEqualTo(TOKEN);
            assertThat(browser.<String>script("return location.href")).doesNotContain(TOKEN);
            browser.byId("save").click();
            browser.await("a checkpoint saved with the token", page -> cellsWith(browser, "#checkpoints li", 1));
            assertThat(browser.byId("token-button").getText()).isEqualTo("Forget token");
            assertThat(browser.byId("device-id").getText()).isEqualTo("device pi-17");
            assertThat(browser.byId("model").getText()).contains("Signatures");
        }
    }

    @Test
    void declinedTokensLeaveTryingAnImageWorkingAndOfferTheTokenAgain() throws IOException {
        Path file = dir.resolve("declined.png");
        Files.write(file, TestFixtures.png(4));
        try (ConfigurableApplicationContext guarded = RunningServer.start(null, dir.resolve("declined"),
                "--edge.security.token=" + TOKEN); Browser browser = Browser.open(1280, 900)) {
            browser.get("http://localhost:" + RunningServer.port(guarded) + "/");
            browser.await("the token prompt", page -> browser.byId("token-dialog").isDisplayed());

            browser.byId("token-cancel").click();

            browser.await("a locked checkpoint list",
                    page -> browser.byId("checkpoints").getText().contains("Needs the access token."));
            browser.await("a locked model panel",
                    page -> browser.byId("model").getText().contains("Needs the access token."));
            assertThat(browser.byId("model-name").getText()).isEqualTo("the model needs the access token");
            // POST /infer is open without the token (unless edge.security.protect-infer).
            browser.byId("infer-file").sendKeys(file.toString());
            browser.find("#infer-form button[type=submit]").click();
            browser.await("five bars", page -> cellsWith(browser, "#prediction .bars li", 5));
            assertThat(browser.byId("token-dialog").isDisplayed()).as("no prompt while declined").isFalse();

            browser.find("#model .locked button").click();
            browser.await("the token prompt again", page -> browser.byId("token-dialog").isDisplayed());
            browser.press(TOKEN, Keys.ENTER);
            browser.await("the model", page -> browser.byId("model").getText().contains("Signatures"));
            browser.await("the unlocked checkpoint list", page -> browser.byId("checkpoints-empty").isDisplayed()
                    && !browser.byId("checkpoints").getText().contains("Needs the access token."));
        }
    }

    @Test
    void aRegressionModelShowsItsValuesAndTheTrainFormSaysWhyItTakesNoLabels() throws IOException {
        MlpSpec spec = new MlpSpec(new int[] { 28, 28 }, new int[] { 8 }, 1, 0.05f, 1, MlpSpec.Head.LINEAR);
        Path model = TestFixtures.writeModel(dir, "brightness.tflite", MlpModelWriter.write(spec));
        Path file = dir.resolve("regression.png");
        Files.write(file, TestFixtures.png(6));
        try (ConfigurableApplicationContext values = RunningServer.start(model, dir.resolve("regression"));
                Browser browser = Browser.open(1280, 900)) {
            RestClient client = RunningServer.client(RunningServer.port(values), null);
            client.post()
                .uri("/infer")
                .contentType(MediaType.IMAGE_PNG)
                .body(TestFixtures.png(2))
                .retrieve()
                .toBodilessEntity();
            browser.get("http://localhost:" + RunningServer.port(values) + "/");

            browser.await("the model",
                    page -> browser.byId("model").getText().contains("regression: 1 value per sample"));
            assertThat(browser.byId("train-unavailable").getText()).contains("predicts values, so it takes no labels");
            assertThat(browser.byId("train-image").isEnabled()).isFalse();
            List<WebElement> cells = browser.await("the sample sent",
                    page -> cellsWith(browser, "#grid li.unknown", 1));
            assertThat(cells.get(0).findElement(By.className("caption")).getText()).matches("-?\\d+\\.\\d{3}");
            browser.byId("infer-file").sendKeys(file.toString());
            browser.find("#infer-form button[type=submit]").click();
            browser.await("the values", page -> browser.findAll("#prediction .values").size() == 1);
            assertThat(browser.find("#prediction .values").getText()).matches("Predicted: -?\\d+\\.\\d{4}");
            assertThat(scriptErrors(browser)).isEmpty();
        }
    }

    @Test
    void aDeviceGivenAFlowerServerShowsWhereItsFleetLearningStands() throws IOException {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        String flower = "127.0.0.1:" + closed;
        try (ConfigurableApplicationContext device = RunningServer.start(null, dir.resolve("federated"),
                "--edge.federated.enabled=true", "--edge.federated.server=" + flower,
                "--edge.federated.adopt=if-better"); Browser browser = Browser.open(1280, 900)) {
            browser.get("http://localhost:" + RunningServer.port(device) + "/");

            browser.await("the federated panel", page -> browser.byId("federated").isDisplayed());
            String facts = browser.await("the failed connection",
                    page -> browser.byId("federated-facts").getText().contains("Last connection error")
                            ? browser.byId("federated-facts").getText() : null);
            assertThat(facts).contains("Flower server\n" + flower)
                .contains("Rounds\n0 fitted")
                .contains("when they do at least as well here")
                .containsPattern("State\n(connecting|waiting to retry)")
                .doesNotContain("Last fit");
            assertThat(scriptErrors(browser)).isEmpty();
        }
    }

    @Test
    void screenshotsAtPhoneAndDesktopSizesShowARealDevice() throws Exception {
        assumeTrue(Files.isDirectory(Dataset.DEBIAN_DIR),
                "needs Debian package dataset-fashion-mnist at " + Dataset.DEBIAN_DIR + " (CI installs it)");
        Dataset test = Dataset.load(Dataset.DEBIAN_DIR, "t10k");
        Path upload = dir.resolve("ankle-boot.png");
        Files.write(upload, png(test, 0));
        Path out = Path.of(System.getProperty("dashboard.screenshots", "target/dashboard-screenshots"));
        Files.createDirectories(out);
        // A server of its own: a device that has only seen Fashion-MNIST, trained to the
        // end
        // of each request.
        try (ConfigurableApplicationContext device = RunningServer.start(null, dir.resolve("screenshots"),
                "--edge.train.sync-timeout=120s")) {
            RestClient client = RunningServer.client(RunningServer.port(device), null);
            train(client, idxImages(test, 0, 1000), idxLabels(test, 0, 1000), "batchSize=20&epochs=3&shuffle=false");
            client.post().uri("/checkpoint/save").retrieve().toBodilessEntity();
            train(client, idxImages(test, 1000, 2000), idxLabels(test, 1000, 2000),
                    "batchSize=20&epochs=3&shuffle=false");
            // A batch it has not learned yet fills the grid, so some of it is wrong
            // (red).
            train(client, idxImages(test, 3000, 3250), idxLabels(test, 3000, 3250),
                    "batchSize=50&epochs=1&shuffle=false");
            for (int i = 0; i < 6; i++) {
                client.post()
                    .uri("/infer")
                    .contentType(MediaType.IMAGE_PNG)
                    .body(png(test, 5000 + i))
                    .retrieve()
                    .toBodilessEntity();
            }
            client.post().uri("/checkpoint/save").retrieve().toBodilessEntity();
            String page = "http://localhost:" + RunningServer.port(device) + "/";
            screenshots(page, upload, out);
        }
    }

    private static void screenshots(String page, Path upload, Path out) throws IOException {
        try (Browser browser = Browser.open(1280, 900)) {
            BufferedImage desktop = shoot(browser, page, upload, out.resolve("dashboard-desktop.png"), true);
            assertThat(desktop.getWidth()).isEqualTo(1280);
            assertThat(desktop.getHeight()).isGreaterThanOrEqualTo(900);
        }
        try (Browser browser = Browser.open(390, 844)) {
            browser.viewport(390, 844, 2, true);
            BufferedImage phone = shoot(browser, page, upload, out.resolve("dashboard-phone.png"), false);
            assertThat(phone.getWidth()).isEqualTo(780);
            assertThat(phone.getHeight()).isEqualTo(1688);
            assertThat(browser
                .<Boolean>script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth"))
                .as("nothing wider than a phone")
                .isTrue();
        }
    }

    /** The page with a prediction made, its curves and grid drawn, as a PNG file. */
    private static BufferedImage shoot(Browser browser, String page, Path upload, Path file, boolean fullPage)
            throws IOException {
        browser.get(page);
        browser.await("the grid", driver -> cellsWith(browser, "#grid li.right, #grid li.wrong, #grid li.unknown", 25));
        browser.byId("infer-file").sendKeys(upload.toString());
        browser.find("#infer-form button[type=submit]").click();
        browser.await("the bars", driver -> cellsWith(browser, "#prediction .bars li", 5));
        browser.await("the curves", driver -> coloured(browser, "device-chart", DEVICE_ORANGE) > 50
                && coloured(browser, "pretrain-chart", PRETRAIN_BLUE) > 50);
        browser.await("the checkpoints", driver -> cellsWith(browser, "#checkpoints li", 2));
        browser.script("window.scrollTo(0, 0); document.activeElement.blur()");
        byte[] png = browser.screenshot(fullPage);
        Files.write(file, png);
        return ImageIO.read(new ByteArrayInputStream(png));
    }

    private static byte[] idxImages(Dataset data, int from, int to) {
        int size = data.images().rows() * data.images().cols();
        return TestFixtures.idx(0x803, new int[] { to - from, data.images().rows(), data.images().cols() },
                Arrays.copyOfRange(data.images().pixels(), from * size, to * size));
    }

    private static byte[] idxLabels(Dataset data, int from, int to) {
        return TestFixtures.idx(0x801, new int[] { to - from }, Arrays.copyOfRange(data.labels(), from, to));
    }

    private static byte[] png(Dataset data, int index) {
        int[] pixels = new int[784];
        for (int p = 0; p < 784; p++) {
            pixels[p] = data.images().pixels()[index * 784 + p] & 0xFF;
        }
        return TestFixtures.image(pixels, "png");
    }

    private static long deviceSteps() {
        return http.get().uri("/train/history").retrieve().body(JsonNode.class).get("device").get("steps").asLong();
    }

    /**
     * The elements matching {@code css} once there are exactly {@code count}, else null.
     */
    private static List<WebElement> cellsWith(Browser browser, String css, int count) {
        List<WebElement> found = browser.findAll(css);
        return found.size() == count ? found : null;
    }

    /**
     * Pixels of the canvas drawn in about this colour: the curve itself, not the axes.
     */
    private static long coloured(Browser browser, String canvas, int[] rgb) {
        return browser.<Number>script("""
                const c = document.getElementById(arguments[0]);
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let n = 0;
                for (let i = 0; i < d.length; i += 4) {
                  if (d[i + 3] > 200 && Math.abs(d[i] - arguments[1]) < 40 && Math.abs(d[i + 1] - arguments[2]) < 40
                      && Math.abs(d[i + 2] - arguments[3]) < 40) n++;
                }
                return n;""", canvas, rgb[0], rgb[1], rgb[2]).longValue();
    }

    /**
     * Errors the page's scripts raised. Failed loads are left out: an optional endpoint
     * (e.g. /federated on a server without it) answers 404 on purpose.
     */
    private static List<String> scriptErrors(Browser browser) {
        List<String> errors = new ArrayList<>(browser.severeLogs());
        errors.removeIf(message -> message.contains("Failed to load resource"));
        return errors;
    }

}
