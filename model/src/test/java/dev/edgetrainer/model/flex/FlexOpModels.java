package dev.edgetrainer.model.flex;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.google.flatbuffers.FlexBuffersBuilder;
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
        FlexBuffersBuilder builder = new FlexBuffersBuilder();
        int start = builder.startVector();
        builder.putString(op);
        builder.putBlob(nodeDef);
        builder.endVector(null, start, false, false);
        ByteBuffer buffer = builder.finish();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    /**
     * A NodeDef in protobuf wire format. Attribute values: {@code Integer} a dtype,
     * {@code int[]} a dtype list, {@code Long} an int.
     */
    static byte[] nodeDef(String op, Map<String, Object> attrs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        bytesField(out, 1, ("node_" + op).getBytes(StandardCharsets.UTF_8));
        bytesField(out, 2, op.getBytes(StandardCharsets.UTF_8));
        attrs.forEach((key, value) -> {
            ByteArrayOutputStream attr = new ByteArrayOutputStream();
            if (value instanceof Integer type) {
                varintField(attr, 6, type);
            }
            else if (value instanceof Long i) {
                varintField(attr, 3, i);
            }
            else if (value instanceof int[] types) {
                ByteArrayOutputStream packed = new ByteArrayOutputStream();
                for (int t : types) {
                    varint(packed, t);
                }
                ByteArrayOutputStream list = new ByteArrayOutputStream();
                bytesField(list, 6, packed.toByteArray());
                bytesField(attr, 1, list.toByteArray());
            }
            ByteArrayOutputStream entry = new ByteArrayOutputStream();
            bytesField(entry, 1, key.getBytes(StandardCharsets.UTF_8));
            bytesField(entry, 2, attr.toByteArray());
            bytesField(out, 5, entry.toByteArray());
        });
        return out.toByteArray();
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

    private static void bytesField(ByteArrayOutputStream out, int field, byte[] bytes) {
        varint(out, (field << 3) | 2);
        varint(out, bytes.length);
        out.writeBytes(bytes);
    }

    private static void varintField(ByteArrayOutputStream out, int field, long value) {
        varint(out, field << 3);
        varint(out, value);
    }

    private static void varint(ByteArrayOutputStream out, long value) {
        while ((value & ~0x7fL) != 0) {
            out.write((int) ((value & 0x7f) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }

}
