package dev.edgetrainer.model.flex;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.edgetrainer.model.graph.FlexOpOptions;
import org.tensorflow.lite.schema.BufferT;
import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.ModelT;
import org.tensorflow.lite.schema.OperatorCodeT;
import org.tensorflow.lite.schema.OperatorT;
import org.tensorflow.lite.schema.SignatureDefT;
import org.tensorflow.lite.schema.SubGraphT;
import org.tensorflow.lite.schema.TensorMapT;
import org.tensorflow.lite.schema.TensorT;

/**
 * Small models of one Flex op, laid out as the converter writes them: a {@code CUSTOM}
 * operator named {@code Flex<Op>} whose custom options are a FlexBuffer vector of the op
 * name and its serialized {@code NodeDef}. Every tensor of the op is an input or output
 * of the single signature {@code run}.
 */
public final class FlexOpModels {

    /** A signature tensor: name, TFLite schema type, shape (-1 dynamic). */
    public record Io(String name, byte type, int... shape) {
    }

    private FlexOpModels() {
    }

    public static byte[] model(String op, Map<String, Object> attrs, List<Io> inputs, List<Io> outputs) {
        return model("Flex" + op, customOptions(op, nodeDef(op, attrs)), inputs, outputs);
    }

    public static byte[] model(String customCode, byte[] options, List<Io> inputs, List<Io> outputs) {
        SubGraphT graph = new SubGraphT();
        List<TensorT> tensors = new ArrayList<>();
        SignatureDefT signature = new SignatureDefT();
        signature.setSignatureKey("run");
        signature.setSubgraphIndex(0);
        signature.setInputs(maps(inputs, tensors));
        signature.setOutputs(maps(outputs, tensors));
        graph.setTensors(tensors.toArray(TensorT[]::new));
        graph.setInputs(range(0, inputs.size()));
        graph.setOutputs(range(inputs.size(), inputs.size() + outputs.size()));
        OperatorT operator = new OperatorT();
        operator.setOpcodeIndex(0);
        operator.setInputs(range(0, inputs.size()));
        operator.setOutputs(range(inputs.size(), inputs.size() + outputs.size()));
        int[] unsigned = new int[options.length];
        for (int i = 0; i < options.length; i++) {
            unsigned[i] = options[i] & 0xff;
        }
        operator.setCustomOptions(unsigned);
        operator.setMutatingVariableInputs(null);
        operator.setIntermediates(null);
        graph.setOperators(new OperatorT[] { operator });
        graph.setName("run");
        OperatorCodeT code = new OperatorCodeT();
        code.setBuiltinCode(BuiltinOperator.CUSTOM);
        code.setDeprecatedBuiltinCode((byte) BuiltinOperator.CUSTOM);
        code.setCustomCode(customCode);
        code.setVersion(1);
        ModelT model = new ModelT();
        model.setVersion(3);
        model.setOperatorCodes(new OperatorCodeT[] { code });
        model.setSubgraphs(new SubGraphT[] { graph });
        model.setBuffers(new BufferT[] { new BufferT() });
        model.setSignatureDefs(new SignatureDefT[] { signature });
        return model.serializeToBinary();
    }

    /** FlexBuffer vector [op, NodeDef] as the converter writes it. */
    static byte[] customOptions(String op, byte[] nodeDef) {
        return FlexOpOptions.customOptions(op, nodeDef);
    }

    static byte[] nodeDef(String op, Map<String, Object> attrs) {
        return FlexOpOptions.nodeDef(op, attrs);
    }

    private static TensorMapT[] maps(List<Io> ios, List<TensorT> tensors) {
        TensorMapT[] maps = new TensorMapT[ios.size()];
        for (int i = 0; i < maps.length; i++) {
            Io io = ios.get(i);
            TensorT tensor = new TensorT();
            tensor.setName(io.name());
            tensor.setType(io.type());
            int[] shape = io.shape().clone();
            boolean dynamic = false;
            for (int d = 0; d < shape.length; d++) {
                if (shape[d] < 0) {
                    shape[d] = 1;
                    dynamic = true;
                }
            }
            tensor.setShape(shape);
            tensor.setShapeSignature(dynamic ? io.shape().clone() : new int[0]);
            tensor.setBuffer(0);
            tensors.add(tensor);
            maps[i] = new TensorMapT();
            maps[i].setName(io.name());
            maps[i].setTensorIndex(tensors.size() - 1);
        }
        return maps;
    }

    private static int[] range(int from, int to) {
        int[] values = new int[to - from];
        for (int i = 0; i < values.length; i++) {
            values[i] = from + i;
        }
        return values;
    }

}
