package dev.edgetrainer.model.tensor;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WeightsFileTests {

    private static Map<String, Tensor> weights() {
        Map<String, Tensor> weights = new LinkedHashMap<>();
        weights.put("dense/kernel", Tensor.ofFloats(new int[] { 2, 3 }, new float[] { 1, -2, 3.5f, 0, 1e-8f, -7 }));
        weights.put("dense/bias", Tensor.ofFloats(new int[] { 3 }, new float[] { 0.25f, 0, -1 }));
        weights.put("step", Tensor.ofInts(new int[0], new int[] { 42 }));
        weights.put("count", Tensor.ofLongs(new int[] { 2 }, new long[] { 1L << 40, -3 }));
        return weights;
    }

    @Test
    void roundTripsNamesShapesAndValuesExactly() {
        Map<String, Tensor> decoded = WeightsFile.decode(WeightsFile.encode(weights()));
        assertThat(decoded.keySet()).containsExactly("dense/kernel", "dense/bias", "step", "count");
        assertThat(decoded.get("count").longs()).containsExactly(1L << 40, -3);
        assertThat(decoded.get("dense/kernel").shape()).containsExactly(2, 3);
        assertThat(decoded.get("dense/kernel").floats()).containsExactly(1, -2, 3.5f, 0, 1e-8f, -7);
        assertThat(decoded.get("step").ints()).containsExactly(42);
        assertThat(WeightsFile.encode(decoded)).isEqualTo(WeightsFile.encode(weights()));
    }

    @Test
    void sizeFromSpecsIsTheSizeOfTheEncodedFile() {
        List<TensorSpec> specs = weights().entrySet()
            .stream()
            .map(e -> new TensorSpec(e.getKey(), e.getValue().type(), e.getValue().shape()))
            .toList();

        assertThat(WeightsFile.size(specs)).isEqualTo(WeightsFile.encode(weights()).length);
    }

    @Test
    void anyFlippedBitFailsTheChecksum() {
        byte[] file = WeightsFile.encode(weights());
        for (int i = 8; i < file.length; i++) {
            byte[] broken = file.clone();
            broken[i] ^= 0x10;
            assertThatThrownBy(() -> WeightsFile.decode(broken)).isInstanceOf(CorruptCheckpointException.class);
        }
    }

    @Test
    void rejectsTruncatedAndForeignFiles() {
        byte[] file = WeightsFile.encode(weights());
        assertThatThrownBy(() -> WeightsFile.decode(Arrays.copyOf(file, file.length - 1)))
            .isInstanceOf(CorruptCheckpointException.class)
            .hasMessageContaining("checksum");
        assertThatThrownBy(() -> WeightsFile.decode("TFL3 not weights at all, really not".getBytes()))
            .isInstanceOf(CorruptCheckpointException.class)
            .hasMessageContaining("not an EdgeTrainer weights file");
        assertThatThrownBy(() -> WeightsFile.decode(new byte[0])).isInstanceOf(CorruptCheckpointException.class);
    }

}
