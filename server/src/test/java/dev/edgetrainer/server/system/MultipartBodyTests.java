package dev.edgetrainer.server.system;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MultipartBodyTests {

    private static final MultipartBody.Limits LIMITS = new MultipartBody.Limits(4, 1024, "for the test");

    private final MemoryBudget budget = new MemoryBudget(1 << 20, Duration.ofSeconds(1));

    private CollectedBody body(String text, RequestMemory memory) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        CollectedBody body = new CollectedBody(memory, bytes.length);
        body.readAll(new ByteArrayInputStream(bytes));
        return body;
    }

    @Test
    void partsAreViewsOfTheBodyWithTheirNamesFileNamesAndTypes() throws IOException {
        String text = "preamble\r\n--b0\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n\u0001\u0002\r\n--b\r\n--b0\r\n"
                + "Content-Disposition: form-data; name=\"label\"\r\n\r\nAnkle boot\r\n--b0--\r\n";
        try (RequestMemory memory = budget.open()) {
            CollectedBody body = body(text, memory);
            long held = memory.held();

            List<MultipartBody.Part> parts = MultipartBody.parse(body, "b0", LIMITS);

            assertThat(parts).hasSize(2);
            MultipartBody.Part image = parts.get(0);
            assertThat(image.isFile()).isTrue();
            assertThat(image.getName()).isEqualTo("image");
            assertThat(image.getOriginalFilename()).isEqualTo("a.png");
            assertThat(image.getContentType()).isEqualTo("image/png");
            // A delimiter-like line inside the data is data.
            assertThat(image.getInputStream().readAllBytes())
                .isEqualTo("\u0001\u0002\r\n--b".getBytes(StandardCharsets.UTF_8));
            assertThat(parts.get(1).isFile()).isFalse();
            assertThat(parts.get(1).text()).isEqualTo("Ankle boot");
            assertThat(memory.held() - held).as("only the headers and the field were copied").isLessThan(200);
        }
    }

    @Test
    void aFloodOfPartsIsRefusedOncePastTheLimit() throws IOException {
        String part = "--b0\r\nContent-Disposition: form-data; name=\"image\"; filename=\"x\"\r\n\r\nx\r\n";
        try (RequestMemory memory = budget.open()) {
            CollectedBody body = body(part.repeat(5) + "--b0--\r\n", memory);

            assertThatThrownBy(() -> MultipartBody.parse(body, "b0", LIMITS))
                .isInstanceOfSatisfying(InputTooLargeException.class, e -> assertThat(e.field()).isEqualTo("body"))
                .hasMessageContaining("more than 4 parts; for the test");
        }
    }

    @Test
    void malformedBodiesAreBadRequestsSayingWhy() throws IOException {
        try (RequestMemory memory = budget.open()) {
            assertThatThrownBy(() -> MultipartBody.parse(body("no boundary here", memory), "b0", LIMITS))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("does not contain its boundary");
            assertThatThrownBy(() -> MultipartBody.parse(
                    body("--b0\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nnever ends", memory), "b0", LIMITS))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("before its closing boundary");
            assertThatThrownBy(() -> MultipartBody
                .parse(body("--b0\r\nContent-Type: text/plain\r\n\r\nx\r\n--b0--", memory), "b0", LIMITS))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("form-data; name=");
            assertThatThrownBy(() -> MultipartBody
                .parse(body("--b0\r\nX-Long: " + "y".repeat(2000) + "\r\n\r\nx\r\n--b0--", memory), "b0", LIMITS))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("headers are longer than 1024 bytes");
        }
    }

}
