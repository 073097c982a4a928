package dev.edgetrainer.server.model;

import java.time.Duration;

import dev.edgetrainer.model.tensor.DataType;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.TensorSpec;
import dev.edgetrainer.server.system.BadInputException;
import dev.edgetrainer.server.system.EdgeException;
import dev.edgetrainer.server.system.InputTooLargeException;
import dev.edgetrainer.server.system.MemoryBudget;
import dev.edgetrainer.server.system.RequestMemory;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonTensorsTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final TensorSpec SPEC = new TensorSpec("x", DataType.FLOAT32, new int[] { -1, 2, 3 });

    /** A request body {@code {"x": <text>}} read as a request's tensor field is. */
    private static JsonTensors.Parsed parse(String text) {
        return JSON.readValue("{\"x\": " + text + "}", Body.class).x();
    }

    record Body(JsonTensors.Parsed x) {
    }

    private static String fieldOf(String text) {
        try {
            JsonTensors.batch(parse(text), SPEC, "x");
        }
        catch (BadInputException e) {
            return e.field();
        }
        catch (DatabindException e) {
            // Jackson wraps what the reader throws; the problem handler unwraps it.
            if (e.getCause() instanceof BadInputException bad) {
                return bad.field();
            }
            throw e;
        }
        throw new AssertionError(text + " was accepted");
    }

    @Test
    void oneSampleBecomesABatchOfOne() {
        Tensor tensor = JsonTensors.batch(parse("[[1,2,3],[4,5,6]]"), SPEC, "x");

        assertThat(tensor.shape()).containsExactly(1, 2, 3);
        assertThat(tensor.floats()).containsExactly(1, 2, 3, 4, 5, 6);
    }

    @Test
    void aBatchKeepsItsSize() {
        Tensor tensor = JsonTensors.batch(parse("[[[1,2,3],[4,5,6]],[[0,0,0],[0,0,0.5]]]"), SPEC, "x");

        assertThat(tensor.shape()).containsExactly(2, 2, 3);
        assertThat(tensor.floats()[11]).isEqualTo(0.5f);
    }

    @Test
    void everyRejectionNamesTheElementAtFault() {
        assertThat(fieldOf("[[1,2,3],[4,5]]")).isEqualTo("x[1]");
        assertThat(fieldOf("[[1,2,3],[4,5,6,7]]")).isEqualTo("x[1][3]");
        assertThat(fieldOf("[[1,2,3],[4,5,\"6\"]]")).isEqualTo("x[1][2]");
        assertThat(fieldOf("[[1,2,3],[4,5,1e39]]")).isEqualTo("x[1][2]");
        assertThat(fieldOf("[[1,2,3],[4,5,null]]")).isEqualTo("x[1][2]");
        assertThat(fieldOf("[[1,2,3],[4,5,{}]]")).isEqualTo("x[1][2]");
        assertThat(fieldOf("[[1,2,3],[4,[5],6]]")).isEqualTo("x[1][1]");
        assertThat(fieldOf("[[1,2,3],7]")).isEqualTo("x[1]");
        assertThat(fieldOf("[[1,2],[3,4]]")).isEqualTo("x");
        assertThat(fieldOf("[]")).isEqualTo("x");
        assertThat(fieldOf("[[1,2,3],[]]")).isEqualTo("x[1]");
        assertThat(fieldOf("7")).isEqualTo("x");
        assertThat(fieldOf("null")).isEqualTo("x");
    }

    @Test
    void valuesAreReservedFromTheRequestsMemoryAsTheyArrive() {
        MemoryBudget budget = new MemoryBudget(64 * 1024, Duration.ofSeconds(1));
        StringBuilder many = new StringBuilder("[0");
        many.append(",0".repeat(100_000)).append(']');

        try (RequestMemory memory = budget.open(); RequestMemory.Scope bound = memory.bind()) {
            assertThatThrownBy(() -> parse(many.toString())).rootCause()
                .isInstanceOfSatisfying(InputTooLargeException.class, e -> {
                    assertThat(e.field()).isEqualTo("x");
                    assertThat(e.kind()).isEqualTo(EdgeException.Kind.TOO_LARGE);
                    assertThat(e.getMessage()).contains("edge.limits.request-memory");
                });
        }
        try (RequestMemory memory = budget.open(); RequestMemory.Scope bound = memory.bind()) {
            JsonTensors.Parsed parsed = parse("[[1,2,3],[4,5,6]]");

            assertThat(memory.held()).isEqualTo(6L * Float.BYTES);
            assertThat(parsed.values()).hasSize(6);
        }
        assertThat(budget.used()).isZero();
    }

}
