package dev.edgetrainer.model.graph;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.edgetrainer.model.tensor.StringTensors;
import org.tensorflow.lite.schema.AbsOptionsT;
import org.tensorflow.lite.schema.AddOptionsT;
import org.tensorflow.lite.schema.AssignVariableOptionsT;
import org.tensorflow.lite.schema.BufferT;
import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.BuiltinOptions;
import org.tensorflow.lite.schema.BuiltinOptionsUnion;
import org.tensorflow.lite.schema.CallOnceOptionsT;
import org.tensorflow.lite.schema.CastOptionsT;
import org.tensorflow.lite.schema.DivOptionsT;
import org.tensorflow.lite.schema.ExpOptionsT;
import org.tensorflow.lite.schema.FullyConnectedOptionsT;
import org.tensorflow.lite.schema.GatherOptionsT;
import org.tensorflow.lite.schema.GreaterOptionsT;
import org.tensorflow.lite.schema.LogSoftmaxOptionsT;
import org.tensorflow.lite.schema.MaximumMinimumOptionsT;
import org.tensorflow.lite.schema.MetadataT;
import org.tensorflow.lite.schema.ModelT;
import org.tensorflow.lite.schema.MulOptionsT;
import org.tensorflow.lite.schema.NegOptionsT;
import org.tensorflow.lite.schema.OneHotOptionsT;
import org.tensorflow.lite.schema.OperatorCodeT;
import org.tensorflow.lite.schema.OperatorT;
import org.tensorflow.lite.schema.ReadVariableOptionsT;
import org.tensorflow.lite.schema.ReducerOptionsT;
import org.tensorflow.lite.schema.ReshapeOptionsT;
import org.tensorflow.lite.schema.ShapeOptionsT;
import org.tensorflow.lite.schema.SignatureDefT;
import org.tensorflow.lite.schema.SoftmaxOptionsT;
import org.tensorflow.lite.schema.SubGraphT;
import org.tensorflow.lite.schema.SubOptionsT;
import org.tensorflow.lite.schema.TensorMapT;
import org.tensorflow.lite.schema.TensorT;
import org.tensorflow.lite.schema.TensorType;
import org.tensorflow.lite.schema.TransposeOptionsT;
import org.tensorflow.lite.schema.VarHandleOptionsT;

/**
 * Assembles a TFLite model with the flatbuffer object API: shared operator codes and
 * buffers, one {@link Subgraph} per signature. Buffer 0 is the empty buffer, as TFLite
 * requires.
 */
final class GraphBuilder {

    /**
     * Builtin codes from this value on are stored with
     * {@code deprecated_builtin_code = 127}.
     */
    private static final int FIRST_EXTENDED_BUILTIN = 127;

    private final Map<Integer, Integer> opcodeIndex = new LinkedHashMap<>();

    private final Map<String, Integer> customOpcodeIndex = new LinkedHashMap<>();

    private final List<OperatorCodeT> opcodes = new ArrayList<>();

    private final List<BufferT> buffers = new ArrayList<>(List.of(new BufferT()));

    private final List<SubGraphT> subgraphs = new ArrayList<>();

    private final List<SignatureDefT> signatures = new ArrayList<>();

    private final List<MetadataT> metadata = new ArrayList<>();

    Subgraph subgraph(String name) {
        return new Subgraph(name);
    }

    byte[] build() {
        ModelT model = new ModelT();
        model.setVersion(3);
        model.setDescription("EdgeTrainer model writer");
        model.setOperatorCodes(opcodes.toArray(OperatorCodeT[]::new));
        model.setBuffers(buffers.toArray(BufferT[]::new));
        model.setSubgraphs(subgraphs.toArray(SubGraphT[]::new));
        model.setSignatureDefs(signatures.toArray(SignatureDefT[]::new));
        if (!metadata.isEmpty()) {
            // Only when there is some: models without metadata keep their bytes.
            model.setMetadata(metadata.toArray(MetadataT[]::new));
        }
        return model.serializeToBinary();
    }

    /**
     * A {@code Model.metadata} entry: a named buffer the interpreter ignores and readers
     * of the file may use.
     */
    void metadata(String name, byte[] data) {
        MetadataT entry = new MetadataT();
        entry.setName(name);
        entry.setBuffer(buffer(data));
        metadata.add(entry);
    }

    private int opcode(int builtin) {
        return opcodeIndex.computeIfAbsent(builtin, code -> {
            OperatorCodeT opcode = new OperatorCodeT();
            opcode.setBuiltinCode(code);
            opcode.setDeprecatedBuiltinCode((byte) Math.min(code, FIRST_EXTENDED_BUILTIN));
            opcode.setVersion(1);
            opcodes.add(opcode);
            return opcodes.size() - 1;
        });
    }

    private int customOpcode(String customCode) {
        return customOpcodeIndex.computeIfAbsent(customCode, code -> {
            OperatorCodeT opcode = new OperatorCodeT();
            opcode.setBuiltinCode(BuiltinOperator.CUSTOM);
            opcode.setDeprecatedBuiltinCode((byte) BuiltinOperator.CUSTOM);
            opcode.setCustomCode(code);
            opcode.setVersion(1);
            opcodes.add(opcode);
            return opcodes.size() - 1;
        });
    }

    private int buffer(float[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        return buffer(bytes.array());
    }

    private int buffer(int[] values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asIntBuffer().put(values);
        return buffer(bytes.array());
    }

    private int buffer(byte[] bytes) {
        int[] data = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            data[i] = bytes[i] & 0xff;
        }
        BufferT buffer = new BufferT();
        buffer.setData(data);
        buffers.add(buffer);
        return buffers.size() - 1;
    }

    /**
     * One subgraph under construction. Tensor shapes use 1 for a dynamic batch, marked -1
     * in the signature.
     */
    final class Subgraph {

        private final SubGraphT graph = new SubGraphT();

        private final List<TensorT> tensors = new ArrayList<>();

        private final List<OperatorT> operators = new ArrayList<>();

        private final List<Integer> inputs = new ArrayList<>();

        private final List<Integer> outputs = new ArrayList<>();

        private final List<TensorMapT> signatureInputs = new ArrayList<>();

        private final List<TensorMapT> signatureOutputs = new ArrayList<>();

        private final int index;

        private Subgraph(String name) {
            graph.setName(name);
            subgraphs.add(graph);
            index = subgraphs.size() - 1;
        }

        int index() {
            return index;
        }

        String tensorName(int tensor) {
            return tensors.get(tensor).getName();
        }

        /** A float tensor; {@code -1} dimensions are dynamic. */
        int floats(String name, int... shape) {
            return tensor(name, TensorType.FLOAT32, shape, 0);
        }

        int tensor(String name, byte type, int[] shapeSignature, int buffer) {
            TensorT tensor = new TensorT();
            tensor.setName(name);
            tensor.setType(type);
            int[] shape = shapeSignature.clone();
            boolean dynamic = false;
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] < 0) {
                    shape[i] = 1;
                    dynamic = true;
                }
            }
            tensor.setShape(shape);
            tensor.setShapeSignature(dynamic ? shapeSignature.clone() : new int[0]);
            tensor.setBuffer(buffer);
            tensor.setHasRank(true);
            tensors.add(tensor);
            return tensors.size() - 1;
        }

        int constant(String name, float[] values, int... shape) {
            return tensor(name, TensorType.FLOAT32, shape, buffer(values));
        }

        int constantInts(String name, int[] values, int... shape) {
            return tensor(name, TensorType.INT32, shape, buffer(values));
        }

        /** A constant string tensor in TFLite's packed layout. */
        int constantStrings(String name, String[] values, int... shape) {
            return tensor(name, TensorType.STRING, shape, buffer(StringTensors.pack(values)));
        }

        int resource(String name) {
            return tensor(name, TensorType.RESOURCE, new int[0], 0);
        }

        /** Adds an operator; options may be null for operators without them. */
        void op(int builtin, BuiltinOptionsUnion options, int[] opInputs, int... opOutputs) {
            OperatorT op = new OperatorT();
            op.setOpcodeIndex(opcode(builtin));
            op.setInputs(opInputs);
            op.setOutputs(opOutputs);
            op.setBuiltinOptions(options);
            // Absent vectors would otherwise be written as empty ones; TFLite then warns
            // about custom options.
            op.setCustomOptions(null);
            op.setMutatingVariableInputs(null);
            op.setIntermediates(null);
            operators.add(op);
        }

        /**
         * A custom operator, e.g. a Flex op with its options from
         * {@link FlexOpOptions#customOptions}.
         */
        void custom(String customCode, byte[] customOptions, int[] opInputs, int... opOutputs) {
            OperatorT op = new OperatorT();
            op.setOpcodeIndex(customOpcode(customCode));
            op.setInputs(opInputs);
            op.setOutputs(opOutputs);
            int[] unsigned = new int[customOptions.length];
            for (int i = 0; i < unsigned.length; i++) {
                unsigned[i] = customOptions[i] & 0xff;
            }
            op.setCustomOptions(unsigned);
            op.setMutatingVariableInputs(null);
            op.setIntermediates(null);
            operators.add(op);
        }

        // Operators, each returning its output tensor. Shapes are signatures: -1 marks
        // the dynamic batch.

        void callOnce(int initSubgraph) {
            CallOnceOptionsT options = new CallOnceOptionsT();
            options.setInitSubgraphIndex(initSubgraph);
            op(BuiltinOperator.CALL_ONCE, options(BuiltinOptions.CallOnceOptions, options), new int[0]);
        }

        int varHandle(String sharedName) {
            VarHandleOptionsT options = new VarHandleOptionsT();
            options.setContainer("");
            options.setSharedName(sharedName);
            int handle = resource(sharedName + "/handle");
            op(BuiltinOperator.VAR_HANDLE, options(BuiltinOptions.VarHandleOptions, options), new int[0], handle);
            return handle;
        }

        int readVariable(int handle, String name, int... shape) {
            int value = floats(name, shape);
            op(BuiltinOperator.READ_VARIABLE, options(BuiltinOptions.ReadVariableOptions, new ReadVariableOptionsT()),
                    new int[] { handle }, value);
            return value;
        }

        void assignVariable(int handle, int value) {
            op(BuiltinOperator.ASSIGN_VARIABLE,
                    options(BuiltinOptions.AssignVariableOptions, new AssignVariableOptionsT()),
                    new int[] { handle, value });
        }

        int add(String name, int a, int b, int... shape) {
            return binary(BuiltinOperator.ADD, options(BuiltinOptions.AddOptions, new AddOptionsT()), name, a, b,
                    shape);
        }

        int sub(String name, int a, int b, int... shape) {
            return binary(BuiltinOperator.SUB, options(BuiltinOptions.SubOptions, new SubOptionsT()), name, a, b,
                    shape);
        }

        int mul(String name, int a, int b, int... shape) {
            return binary(BuiltinOperator.MUL, options(BuiltinOptions.MulOptions, new MulOptionsT()), name, a, b,
                    shape);
        }

        int div(String name, int a, int b, int... shape) {
            return binary(BuiltinOperator.DIV, options(BuiltinOptions.DivOptions, new DivOptionsT()), name, a, b,
                    shape);
        }

        int greater(String name, int a, int b, int... shape) {
            int out = tensor(name, TensorType.BOOL, shape, 0);
            op(BuiltinOperator.GREATER, options(BuiltinOptions.GreaterOptions, new GreaterOptionsT()),
                    new int[] { a, b }, out);
            return out;
        }

        private int binary(int builtin, BuiltinOptionsUnion options, String name, int a, int b, int[] shape) {
            int out = floats(name, shape);
            op(builtin, options, new int[] { a, b }, out);
            return out;
        }

        /**
         * {@code input @ weights^T + bias} with weights laid out [out, in]; bias may be
         * -1 (none).
         */
        int fullyConnected(String name, int input, int weights, int bias, int... shape) {
            FullyConnectedOptionsT options = new FullyConnectedOptionsT();
            options.setKeepNumDims(false);
            int out = floats(name, shape);
            op(BuiltinOperator.FULLY_CONNECTED, options(BuiltinOptions.FullyConnectedOptions, options),
                    new int[] { input, weights, bias }, out);
            return out;
        }

        /** Swaps the two dimensions of a matrix. */
        int transpose(String name, int in, int... shape) {
            int permutation = constantInts(name + "/perm", new int[] { 1, 0 }, 2);
            int out = floats(name, shape);
            op(BuiltinOperator.TRANSPOSE, options(BuiltinOptions.TransposeOptions, new TransposeOptionsT()),
                    new int[] { in, permutation }, out);
            return out;
        }

        int relu(String name, int in, int... shape) {
            int out = floats(name, shape);
            op(BuiltinOperator.RELU, null, new int[] { in }, out);
            return out;
        }

        int neg(String name, int in, int... shape) {
            int out = floats(name, shape);
            op(BuiltinOperator.NEG, options(BuiltinOptions.NegOptions, new NegOptionsT()), new int[] { in }, out);
            return out;
        }

        int logistic(String name, int in, int... shape) {
            return unary(BuiltinOperator.LOGISTIC, null, name, in, shape);
        }

        int abs(String name, int in, int... shape) {
            return unary(BuiltinOperator.ABS, options(BuiltinOptions.AbsOptions, new AbsOptionsT()), name, in, shape);
        }

        int exp(String name, int in, int... shape) {
            return unary(BuiltinOperator.EXP, options(BuiltinOptions.ExpOptions, new ExpOptionsT()), name, in, shape);
        }

        int log(String name, int in, int... shape) {
            return unary(BuiltinOperator.LOG, null, name, in, shape);
        }

        int maximum(String name, int a, int b, int... shape) {
            return binary(BuiltinOperator.MAXIMUM,
                    options(BuiltinOptions.MaximumMinimumOptions, new MaximumMinimumOptionsT()), name, a, b, shape);
        }

        private int unary(int builtin, BuiltinOptionsUnion options, String name, int in, int[] shape) {
            int out = floats(name, shape);
            op(builtin, options, new int[] { in }, out);
            return out;
        }

        int softmax(String name, int in, int... shape) {
            SoftmaxOptionsT options = new SoftmaxOptionsT();
            options.setBeta(1f);
            int out = floats(name, shape);
            op(BuiltinOperator.SOFTMAX, options(BuiltinOptions.SoftmaxOptions, options), new int[] { in }, out);
            return out;
        }

        int logSoftmax(String name, int in, int... shape) {
            int out = floats(name, shape);
            op(BuiltinOperator.LOG_SOFTMAX, options(BuiltinOptions.LogSoftmaxOptions, new LogSoftmaxOptionsT()),
                    new int[] { in }, out);
            return out;
        }

        int sum(String name, int in, int axis, boolean keepDims, int... shape) {
            return reduce(BuiltinOperator.SUM, name, in, axis, keepDims, shape);
        }

        int mean(String name, int in, int axis, int... shape) {
            return reduce(BuiltinOperator.MEAN, name, in, axis, false, shape);
        }

        private int reduce(int builtin, String name, int in, int axis, boolean keepDims, int[] shape) {
            ReducerOptionsT options = new ReducerOptionsT();
            options.setKeepDims(keepDims);
            int axes = constantInts(name + "/axes", new int[] { axis }, 1);
            int out = floats(name, shape);
            op(builtin, options(BuiltinOptions.ReducerOptions, options), new int[] { in, axes }, out);
            return out;
        }

        int reshape(String name, int in, int... shape) {
            ReshapeOptionsT options = new ReshapeOptionsT();
            options.setNewShape(shape.clone());
            int newShape = constantInts(name + "/shape", shape, shape.length);
            int out = floats(name, shape);
            op(BuiltinOperator.RESHAPE, options(BuiltinOptions.ReshapeOptions, options), new int[] { in, newShape },
                    out);
            return out;
        }

        /**
         * The size of dimension {@code axis} of {@code in} as a float scalar, for dynamic
         * batch sizes.
         */
        int dimension(String name, int in, int rank, int axis) {
            ShapeOptionsT shapeOptions = new ShapeOptionsT();
            shapeOptions.setOutType(TensorType.INT32);
            int shape = tensor(name + "/shape", TensorType.INT32, new int[] { rank }, 0);
            op(BuiltinOperator.SHAPE, options(BuiltinOptions.ShapeOptions, shapeOptions), new int[] { in }, shape);
            GatherOptionsT gatherOptions = new GatherOptionsT();
            gatherOptions.setAxis(0);
            int index = constantInts(name + "/index", new int[] { axis });
            int size = tensor(name + "/int", TensorType.INT32, new int[0], 0);
            op(BuiltinOperator.GATHER, options(BuiltinOptions.GatherOptions, gatherOptions), new int[] { shape, index },
                    size);
            return cast(name, size, TensorType.INT32, TensorType.FLOAT32);
        }

        /**
         * Rows of {@code depth} floats, 1 at each index of {@code indices} (int32) and 0
         * elsewhere; an index out of range gives a row of zeros.
         */
        int oneHot(String name, int indices, int depth, int... shape) {
            OneHotOptionsT options = new OneHotOptionsT();
            options.setAxis(-1);
            int depthTensor = constantInts(name + "/depth", new int[] { depth });
            int on = constant(name + "/on", new float[] { 1f });
            int off = constant(name + "/off", new float[] { 0f });
            int out = floats(name, shape);
            op(BuiltinOperator.ONE_HOT, options(BuiltinOptions.OneHotOptions, options),
                    new int[] { indices, depthTensor, on, off }, out);
            return out;
        }

        int cast(String name, int in, byte from, byte to, int... shape) {
            CastOptionsT options = new CastOptionsT();
            options.setInDataType(from);
            options.setOutDataType(to);
            int out = tensor(name, to, shape, 0);
            op(BuiltinOperator.CAST, options(BuiltinOptions.CastOptions, options), new int[] { in }, out);
            return out;
        }

        void input(String signatureName, int tensor) {
            inputs.add(tensor);
            signatureInputs.add(map(signatureName, tensor));
        }

        void output(String signatureName, int tensor) {
            outputs.add(tensor);
            signatureOutputs.add(map(signatureName, tensor));
        }

        /** Finishes the subgraph; with a key, it becomes a signature. */
        void finish(String signatureKey) {
            graph.setTensors(tensors.toArray(TensorT[]::new));
            graph.setOperators(operators.toArray(OperatorT[]::new));
            graph.setInputs(inputs.stream().mapToInt(Integer::intValue).toArray());
            graph.setOutputs(outputs.stream().mapToInt(Integer::intValue).toArray());
            if (signatureKey != null) {
                SignatureDefT signature = new SignatureDefT();
                signature.setSignatureKey(signatureKey);
                signature.setSubgraphIndex(index);
                signature.setInputs(signatureInputs.toArray(TensorMapT[]::new));
                signature.setOutputs(signatureOutputs.toArray(TensorMapT[]::new));
                signatures.add(signature);
            }
        }

        private static TensorMapT map(String name, int tensor) {
            TensorMapT map = new TensorMapT();
            map.setName(name);
            map.setTensorIndex(tensor);
            return map;
        }

    }

    static BuiltinOptionsUnion options(byte type, Object value) {
        BuiltinOptionsUnion union = new BuiltinOptionsUnion();
        union.setType(type);
        union.setValue(value);
        return union;
    }

}
