package dev.edgetrainer.server.system;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MemoryBudgetTests {

    private final MemoryBudget budget = new MemoryBudget(1000, Duration.ofSeconds(2));

    @Test
    void aRequestThatAloneNeedsMoreThanTheBudgetIsTooLarge() {
        try (RequestMemory memory = budget.open()) {
            memory.reserve(600, "x", "the values");

            assertThatThrownBy(() -> memory.reserve(500, "x", "more values"))
                .isInstanceOfSatisfying(InputTooLargeException.class, e -> assertThat(e.field()).isEqualTo("x"))
                .hasMessageContaining("edge.limits.request-memory");
            assertThat(memory.held()).isEqualTo(600);
        }
        assertThat(budget.used()).isZero();
    }

    @Test
    void whatOtherRequestsHoldMakesTheServerBusyForAMoment() {
        try (RequestMemory first = budget.open(); RequestMemory second = budget.open()) {
            first.reserve(700, "body", "the body");

            assertThatThrownBy(() -> second.reserve(400, "body", "the body")).isInstanceOfSatisfying(
                    ServerBusyException.class, e -> assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(2)));
            first.close();
            second.reserve(400, "body", "the body");
            assertThat(budget.used()).isEqualTo(400);
        }
        assertThat(budget.used()).isZero();
    }

    @Test
    void aStreamReadWholeHoldsWhatItsBytesTakeAndIsRefusedOncePastTheBudget() throws IOException {
        MemoryBudget large = new MemoryBudget(100_000, Duration.ofSeconds(1));
        byte[] part = new byte[20_000];
        Arrays.fill(part, (byte) 7);
        try (RequestMemory memory = large.open()) {
            byte[] read = memory.readAll(new ByteArrayInputStream(part), "image", "the image");

            assertThat(read).isEqualTo(part);
            assertThat(memory.held()).isEqualTo(part.length);
            assertThatThrownBy(
                    () -> memory.readAll(new ByteArrayInputStream(new byte[90_000]), "image[1]", "the image"))
                .isInstanceOfSatisfying(InputTooLargeException.class, e -> assertThat(e.field()).isEqualTo("image[1]"));
        }
        assertThat(large.used()).isZero();
    }

    @Test
    void memoryHandedOverOutlivesTheRequestUntilItsHolderLetsGo() {
        RequestMemory.Reservation job;
        try (RequestMemory memory = budget.open()) {
            memory.reserve(300, "x", "samples");
            memory.reserve(200, "x", "a copy");
            job = memory.handOver(300);
            assertThat(memory.held()).isEqualTo(200);
        }
        assertThat(budget.used()).isEqualTo(300);
        job.close();
        job.close();
        assertThat(budget.used()).isZero();
    }

    @Test
    void theAccountBoundToAThreadIsTheCurrentOneAndOutsideRequestsNothingIsMetered() {
        RequestMemory.current().reserve(1_000_000, "x", "anything");
        assertThat(budget.used()).isZero();

        try (RequestMemory memory = budget.open(); RequestMemory.Scope bound = memory.bind()) {
            RequestMemory.current().reserve(100, "x", "values");
            assertThat(memory.held()).isEqualTo(100);
        }
        assertThat(RequestMemory.current().held()).isZero();
        assertThat(budget.used()).isZero();
    }

}
