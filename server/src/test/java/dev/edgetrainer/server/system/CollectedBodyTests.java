package dev.edgetrainer.server.system;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CollectedBodyTests {

    private final MemoryBudget budget = new MemoryBudget(1 << 20, Duration.ofSeconds(1));

    /** A stream that hands out at most 1000 bytes a read, as a socket does. */
    private static InputStream trickle(byte[] bytes) {
        return new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] buffer, int offset, int length) {
                return super.read(buffer, offset, Math.min(length, 1000));
            }
        };
    }

    @Test
    void aBodyCostsWhatHasArrivedInChunksAndReadsBackAcrossThem() throws IOException {
        byte[] bytes = new byte[200_000];
        new Random(3).nextBytes(bytes);
        byte[] marker = "--boundary".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(marker, 0, bytes, CollectedBody.CHUNK - 4, marker.length);
        try (RequestMemory memory = budget.open()) {
            CollectedBody body = new CollectedBody(memory, -1);
            InputStream in = trickle(bytes);
            for (int i = 0; i < 10; i++) {
                body.readFrom(in);
            }
            assertThat(memory.held()).as("one chunk so far").isEqualTo(CollectedBody.CHUNK);

            body.readAll(in);

            assertThat(body.length()).isEqualTo(bytes.length);
            assertThat(memory.held()).isEqualTo(4L * CollectedBody.CHUNK);
            assertThat(body.indexOf(marker, 0)).isEqualTo(CollectedBody.CHUNK - 4);
            assertThat(body.stream(60_000, 140_000).readAllBytes())
                .isEqualTo(Arrays.copyOfRange(bytes, 60_000, 140_000));
            assertThat(body.copy(0, bytes.length, "body")).isEqualTo(bytes);
            assertThat(memory.held()).as("the arrays read out were reserved")
                .isEqualTo(4L * CollectedBody.CHUNK + 80_000 + bytes.length);
        }
    }

    @Test
    void aBodyOfAKnownLengthTakesNoMoreThanItsLength() throws IOException {
        try (RequestMemory memory = budget.open()) {
            CollectedBody body = new CollectedBody(memory, 100);
            body.readAll(new ByteArrayInputStream(new byte[100]));

            assertThat(memory.held()).isEqualTo(100);
            assertThatThrownBy(() -> new CollectedBody(memory, 10).readAll(new ByteArrayInputStream(new byte[11])))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("longer than its Content-Length");
        }
    }

    @Test
    void readingTheWholeBodyAsAnArrayReservesTheArrayFirst() throws IOException {
        MemoryBudget small = new MemoryBudget(1500, Duration.ofSeconds(1));
        try (RequestMemory memory = small.open()) {
            CollectedBody body = new CollectedBody(memory, 1000);
            body.readAll(new ByteArrayInputStream(new byte[1000]));

            assertThatThrownBy(() -> body.servletStream().readAllBytes()).isInstanceOf(InputTooLargeException.class);
        }
    }

}
