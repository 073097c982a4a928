package dev.edgetrainer.server.federated;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

import com.google.protobuf.ByteString;
import dev.edgetrainer.model.tensor.DataType;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.TensorSpec;
import dev.edgetrainer.server.federated.proto.Parameters;
import dev.edgetrainer.server.system.BadInputException;

/**
 * The model's weights as Flower's {@code Parameters}: one {@code .npy} float32 array per
 * weight, in the order of the weights' names (sorted as Java and Python sort strings of
 * ASCII, e.g. {@code dense/bias, dense/kernel, dense_1/bias, dense_1/kernel}). FedAvg
 * averages position by position, so every device of a fleet must send the same weights in
 * the same order: a model's names fix it, whatever order its signatures list them in.
 */
final class ParameterCodec {

    static final String TENSOR_TYPE = "numpy.ndarray";

    private ParameterCodec() {
    }

    static Parameters encode(SortedMap<String, Tensor> weights) {
        Parameters.Builder parameters = Parameters.newBuilder().setTensorType(TENSOR_TYPE);
        weights.values().forEach(tensor -> parameters.addTensors(ByteString.copyFrom(Npy.encode(tensor))));
        return parameters.build();
    }

    /**
     * Reads global weights against the model's own: as many tensors as it has weights,
     * each float32 of the weight's shape and finite.
     * @param specs the model's weights, sorted by name
     * @throws BadInputException naming the first tensor that does not fit
     */
    static Map<String, Tensor> decode(Parameters parameters, List<TensorSpec> specs) {
        if (!parameters.getTensorType().isEmpty() && !parameters.getTensorType().equals(TENSOR_TYPE)) {
            throw new BadInputException("parameters.tensor_type", "tensors of type '" + parameters.getTensorType()
                    + "' cannot be read; send NumPy arrays ('" + TENSOR_TYPE + "')");
        }
        if (parameters.getTensorsCount() != specs.size()) {
            throw new BadInputException("parameters.tensors", "got " + parameters.getTensorsCount()
                    + " tensors; this model has " + specs.size() + ": " + names(specs));
        }
        Map<String, Tensor> weights = new LinkedHashMap<>();
        for (int i = 0; i < specs.size(); i++) {
            TensorSpec spec = specs.get(i);
            String field = "parameters.tensors[" + i + "]";
            if (spec.type() != DataType.FLOAT32) {
                throw new BadInputException(field, "weight '" + spec.name() + "' is " + spec
                        + "; only float32 weights can take part in federated rounds");
            }
            Tensor tensor = Npy.decode(parameters.getTensors(i).toByteArray(), field);
            if (!spec.accepts(tensor.shape())) {
                throw new BadInputException(field, field + " has shape " + java.util.Arrays.toString(tensor.shape())
                        + "; weight '" + spec.name() + "' is " + spec);
            }
            for (float v : tensor.floats()) {
                if (!Float.isFinite(v)) {
                    throw new BadInputException(field, field + " (weight '" + spec.name() + "') holds NaN or infinity");
                }
            }
            weights.put(spec.name(), tensor);
        }
        return weights;
    }

    private static List<String> names(List<TensorSpec> specs) {
        return specs.stream().map(spec -> spec.name() + " " + spec).toList();
    }

}
