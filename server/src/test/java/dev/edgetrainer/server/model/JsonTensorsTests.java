package dev.edgetrainer.server.model;

import dev.edgetrainer.model.tensor.DataType;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.TensorSpec;
import dev.edgetrainer.server.system.BadInputException;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonTensorsTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final TensorSpec SPEC = new TensorSpec("x", DataType.FLOAT32, new int[] { -1, 2, 3 });

    private static JsonNode json(String text) {
        return JSON.readTree(text);
    }

    private static String fieldOf(String text) {
        try {
            JsonTensors.batch(JsonTensors.parse(json(text), "x", 1000), SPEC, "x");
        }
        catch (BadInputException e) {
            return e.field();
        }
        throw new AssertionError(text + " was accepted");
    }

    @Test
    void oneSampleBecomesABatchOfOne() {
        Tensor tensor = JsonTensors.batch(JsonTensors.parse(json("[[1,2,3],[4,5,6]]"), "x", 1000), SPEC, "x");

        assertThat(tensor.shape()).containsExactly(1, 2, 3);
        assertThat(tensor.floats()).containsExactly(1, 2, 3, 4, 5, 6);
    }

    @Test
    void aBatchKeepsItsSize() {
        Tensor tensor = JsonTensors.batch(JsonTensors.parse(json("[[[1,2,3],[4,5,6]],[[0,0,0],[0,0,0.5]]]"), "x", 1000),
                SPEC, "x");

        assertThat(tensor.shape()).containsExactly(2, 2, 3);
        assertThat(tensor.floats()[11]).isEqualTo(0.5f);
    }

    @Test
    void everyRejectionNamesTheElementAtFault() {
        assertThat(fieldOf("[[1,2,3],[4,5]]")).isEqualTo("x[1]");
        assertThat(fieldOf("[[1,2,3],[4,5,\"6\"]]")).isEqualTo("x[1][2]");
        assertThat(fieldOf("[[1,2,3],[4,5,1e39]]")).isEqualTo("x[1][2]");
        assertThat(fieldOf("[[1,2,3],[4,5,null]]")).isEqualTo("x[1][2]");
        assertThat(fieldOf("[[1,2],[3,4]]")).isEqualTo("x");
        assertThat(fieldOf("[]")).isEqualTo("x");
        assertThat(fieldOf("7")).isEqualTo("x");
        assertThat(fieldOf("null")).isEqualTo("x");
    }

    @Test
    void tooManyValuesAreRefusedBeforeParsingThem() {
        assertThatThrownBy(() -> JsonTensors.parse(json("[[1,2,3],[4,5,6]]"), "x", 5))
            .isInstanceOf(BadInputException.class)
            .hasMessageContaining("more than 5 values");
    }

}
