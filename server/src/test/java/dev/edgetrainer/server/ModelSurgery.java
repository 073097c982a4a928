package dev.edgetrainer.server;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import dev.edgetrainer.model.tensor.StringTensors;
import org.tensorflow.lite.schema.BufferT;
import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.ModelT;
import org.tensorflow.lite.schema.OperatorT;
import org.tensorflow.lite.schema.SignatureDefT;
import org.tensorflow.lite.schema.SubGraphT;
import org.tensorflow.lite.schema.TensorT;

/**
 * Defects put into written models, as converters and hand edits leave them: each makes
 * one signature fail on every input the signature declares it takes.
 */
public final class ModelSurgery {

    private ModelSurgery() {
    }

    /**
     * The train signature's flatten reshapes to [7, features + 1]: no batch of any size
     * has that many values.
     */
    public static byte[] impossibleReshapeInTrain(byte[] bytes, int features) {
        ModelT model = ModelT.deserializeFromBinary(bytes);
        TensorT shape = tensor(model, "train", "flatten/shape");
        ByteBuffer data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(7).putInt(features + 1);
        setData(model.getBuffers()[(int) shape.getBuffer()], data.array());
        return serialize(model);
    }

    /**
     * The save signature's FlexSave loses its last tensor: it names more tensors than it
     * is given, whatever the path.
     */
    public static byte[] saveThatAlwaysFails(byte[] pathStyleModel) {
        ModelT model = ModelT.deserializeFromBinary(pathStyleModel);
        OperatorT save = subgraph(model, "save").getOperators()[subgraph(model, "save").getOperators().length - 1];
        save.setInputs(Arrays.copyOf(save.getInputs(), save.getInputs().length - 1));
        return serialize(model);
    }

    /**
     * The restore signature asks the file for a tensor named {@code nope} instead of
     * {@code dense/kernel}: no checkpoint it saves has one.
     */
    public static byte[] restoreThatAlwaysFails(byte[] pathStyleModel) {
        ModelT model = ModelT.deserializeFromBinary(pathStyleModel);
        TensorT name = tensor(model, "restore", "dense/kernel/tensor_name");
        setData(model.getBuffers()[(int) name.getBuffer()], StringTensors.pack(new String[] { "nope" }));
        return serialize(model);
    }

    /**
     * The object API writes absent option vectors as empty ones; TFLite would then warn
     * about builtin operators with custom options.
     */
    private static byte[] serialize(ModelT model) {
        for (SubGraphT graph : model.getSubgraphs()) {
            for (OperatorT op : graph.getOperators()) {
                if (model.getOperatorCodes()[(int) op.getOpcodeIndex()].getBuiltinCode() != BuiltinOperator.CUSTOM) {
                    op.setCustomOptions(null);
                }
                op.setMutatingVariableInputs(null);
                op.setIntermediates(null);
            }
        }
        return model.serializeToBinary();
    }

    private static SubGraphT subgraph(ModelT model, String signature) {
        for (SignatureDefT def : model.getSignatureDefs()) {
            if (def.getSignatureKey().equals(signature)) {
                return model.getSubgraphs()[(int) def.getSubgraphIndex()];
            }
        }
        throw new IllegalArgumentException("no signature " + signature);
    }

    private static TensorT tensor(ModelT model, String signature, String name) {
        return Arrays.stream(subgraph(model, signature).getTensors())
            .filter(t -> t.getName().equals(name))
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException("no tensor " + name + " in " + signature));
    }

    private static void setData(BufferT buffer, byte[] bytes) {
        int[] data = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            data[i] = bytes[i] & 0xff;
        }
        buffer.setData(data);
    }

}
