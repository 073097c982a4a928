package dev.edgetrainer.server.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.tensorflow.lite.schema.BufferT;
import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.BuiltinOptions;
import org.tensorflow.lite.schema.BuiltinOptionsUnion;
import org.tensorflow.lite.schema.CastOptionsT;
import org.tensorflow.lite.schema.GatherOptionsT;
import org.tensorflow.lite.schema.ModelT;
import org.tensorflow.lite.schema.OperatorCodeT;
import org.tensorflow.lite.schema.OperatorT;
import org.tensorflow.lite.schema.SignatureDefT;
import org.tensorflow.lite.schema.SubGraphT;
import org.tensorflow.lite.schema.TensorMapT;
import org.tensorflow.lite.schema.TensorT;
import org.tensorflow.lite.schema.TensorType;

/**
 * A model whose {@code infer(x: float32[-1, 2]) -> output: float32[-1, 2]} looks up
 * {@link #VALUES} at the indices a sample holds: TFLite fails the whole call ("gather
 * index out of bounds") when any sample holds an index outside 0-3, and answers the other
 * samples on their own. So a batch can fail because of one of its samples, as a real
 * model can.
 */
final class GatherModel {

    static final float[] VALUES = { 0.1f, 0.2f, 0.3f, 0.4f };

    private GatherModel() {
    }

    static byte[] write() {
        ModelT model = new ModelT();
        model.setVersion(3);
        model.setOperatorCodes(new OperatorCodeT[] { code(BuiltinOperator.CAST), code(BuiltinOperator.GATHER) });
        ByteBuffer values = ByteBuffer.allocate(VALUES.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        values.asFloatBuffer().put(VALUES);
        model.setBuffers(new BufferT[] { new BufferT(), buffer(values.array()) });
        SubGraphT graph = new SubGraphT();
        graph.setName("infer");
        graph.setTensors(new TensorT[] { tensor("x", TensorType.FLOAT32, 0), tensor("indices", TensorType.INT32, 0),
                constant(), tensor("output", TensorType.FLOAT32, 0) });
        graph.setInputs(new int[] { 0 });
        graph.setOutputs(new int[] { 3 });
        CastOptionsT cast = new CastOptionsT();
        cast.setInDataType(TensorType.FLOAT32);
        cast.setOutDataType(TensorType.INT32);
        graph.setOperators(new OperatorT[] { op(0, new int[] { 0 }, 1, BuiltinOptions.CastOptions, cast),
                op(1, new int[] { 2, 1 }, 3, BuiltinOptions.GatherOptions, new GatherOptionsT()) });
        model.setSubgraphs(new SubGraphT[] { graph });
        SignatureDefT infer = new SignatureDefT();
        infer.setSignatureKey("infer");
        infer.setSubgraphIndex(0);
        infer.setInputs(new TensorMapT[] { map("x", 0) });
        infer.setOutputs(new TensorMapT[] { map("output", 3) });
        model.setSignatureDefs(new SignatureDefT[] { infer });
        return model.serializeToBinary();
    }

    private static OperatorCodeT code(int builtin) {
        OperatorCodeT code = new OperatorCodeT();
        code.setBuiltinCode(builtin);
        code.setDeprecatedBuiltinCode((byte) builtin);
        code.setVersion(1);
        return code;
    }

    private static BufferT buffer(byte[] bytes) {
        int[] data = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            data[i] = bytes[i] & 0xff;
        }
        BufferT buffer = new BufferT();
        buffer.setData(data);
        return buffer;
    }

    /** A [batch, 2] tensor; the batch is dynamic. */
    private static TensorT tensor(String name, byte type, int buffer) {
        TensorT tensor = new TensorT();
        tensor.setName(name);
        tensor.setType(type);
        tensor.setShape(new int[] { 1, 2 });
        tensor.setShapeSignature(new int[] { -1, 2 });
        tensor.setBuffer(buffer);
        return tensor;
    }

    private static TensorT constant() {
        TensorT tensor = new TensorT();
        tensor.setName("values");
        tensor.setType(TensorType.FLOAT32);
        tensor.setShape(new int[] { VALUES.length });
        tensor.setBuffer(1);
        return tensor;
    }

    private static OperatorT op(int opcode, int[] inputs, int output, byte optionsType, Object options) {
        OperatorT op = new OperatorT();
        op.setOpcodeIndex(opcode);
        op.setInputs(inputs);
        op.setOutputs(new int[] { output });
        BuiltinOptionsUnion union = new BuiltinOptionsUnion();
        union.setType(optionsType);
        union.setValue(options);
        op.setBuiltinOptions(union);
        // The object API would write these absent vectors as empty ones.
        op.setCustomOptions(null);
        op.setMutatingVariableInputs(null);
        op.setIntermediates(null);
        return op;
    }

    private static TensorMapT map(String name, int tensor) {
        TensorMapT map = new TensorMapT();
        map.setName(name);
        map.setTensorIndex(tensor);
        return map;
    }

}
