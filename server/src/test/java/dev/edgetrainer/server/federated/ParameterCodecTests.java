package dev.edgetrainer.server.federated;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.google.protobuf.ByteString;
import dev.edgetrainer.model.tensor.DataType;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.TensorSpec;
import dev.edgetrainer.server.federated.proto.Parameters;
import dev.edgetrainer.server.system.BadInputException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Flower's Parameters to and from the model's weights: order, count, shape, values. */
class ParameterCodecTests {

    private static final List<TensorSpec> SPECS = List.of(
            new TensorSpec("dense/bias", DataType.FLOAT32, new int[] { 2 }),
            new TensorSpec("dense/kernel", DataType.FLOAT32, new int[] { 3, 2 }),
            new TensorSpec("dense_1/bias", DataType.FLOAT32, new int[] { 1 }));

    private static TreeMap<String, Tensor> weights() {
        TreeMap<String, Tensor> weights = new TreeMap<>();
        weights.put("dense_1/bias", Tensor.ofFloats(new int[] { 1 }, new float[] { 9 }));
        weights.put("dense/kernel", Tensor.ofFloats(new int[] { 3, 2 }, new float[] { 1, 2, 3, 4, 5, 6 }));
        weights.put("dense/bias", Tensor.ofFloats(new int[] { 2 }, new float[] { 7, 8 }));
        return weights;
    }

    @Test
    void sendsTheWeightsInTheOrderOfTheirNamesAndReadsThemBack() {
        Parameters parameters = ParameterCodec.encode(weights());
        assertThat(parameters.getTensorType()).isEqualTo("numpy.ndarray");
        assertThat(Npy.decode(parameters.getTensors(0).toByteArray(), "t").floats()).containsExactly(7, 8);
        assertThat(Npy.decode(parameters.getTensors(2).toByteArray(), "t").floats()).containsExactly(9);
        Map<String, Tensor> read = ParameterCodec.decode(parameters, SPECS);
        assertThat(read.keySet()).containsExactly("dense/bias", "dense/kernel", "dense_1/bias");
        assertThat(read.get("dense/kernel").floats()).containsExactly(1, 2, 3, 4, 5, 6);
    }

    @Test
    void refusesAnotherCountShapeTypeOrNonFiniteValues() {
        Parameters good = ParameterCodec.encode(weights());
        assertBad(good.toBuilder().clearTensors().addAllTensors(good.getTensorsList().subList(0, 2)).build(),
                "parameters.tensors", "got 2 tensors");
        assertBad(good.toBuilder()
            .setTensors(1, ByteString.copyFrom(Npy.encode(Tensor.ofFloats(new int[] { 2, 3 }, new float[6]))))
            .build(), "parameters.tensors[1]", "shape [2, 3]");
        assertBad(good.toBuilder()
            .setTensors(2, ByteString.copyFrom(Npy.encode(Tensor.ofFloats(new int[] { 1 }, new float[] { Float.NaN }))))
            .build(), "parameters.tensors[2]", "NaN");
        assertBad(good.toBuilder().setTensorType("torch.Tensor").build(), "parameters.tensor_type", "torch");
        assertBad(good.toBuilder().setTensors(0, ByteString.copyFromUtf8("not numpy")).build(), "parameters.tensors[0]",
                "magic");
    }

    private static void assertBad(Parameters parameters, String field, String message) {
        assertThatThrownBy(() -> ParameterCodec.decode(parameters, SPECS)).isInstanceOf(BadInputException.class)
            .hasMessageContaining(message)
            .satisfies(e -> assertThat(((BadInputException) e).field()).isEqualTo(field));
    }

}
