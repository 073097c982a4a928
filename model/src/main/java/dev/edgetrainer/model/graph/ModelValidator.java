package dev.edgetrainer.model.graph;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.BuiltinOptions;
import org.tensorflow.lite.schema.Model;
import org.tensorflow.lite.schema.Operator;
import org.tensorflow.lite.schema.SignatureDef;
import org.tensorflow.lite.schema.SubGraph;
import org.tensorflow.lite.schema.Tensor;
import org.tensorflow.lite.schema.TensorType;
import org.tensorflow.lite.schema.VarHandleOptions;

/**
 * Checks what TFLite's flatbuffer verifier does not and its interpreter trusts: every
 * index in range, no subgraph that reaches itself through CALL_ONCE, WHILE or IF,
 * constant buffers as large as their tensors, variable tensors sane, and each resource
 * variable used with one shape. Each of these, broken, was seen to crash the process or
 * to corrupt memory silently. Run it only on bytes the TFLite verifier accepted, or
 * expect an exception.
 */
public final class ModelValidator {

    private static final long MAX_TENSOR_BYTES = 1L << 31;

    private ModelValidator() {
    }

    /**
     * @throws InvalidModelException naming the first problem found
     */
    public static void validate(byte[] bytes) {
        try {
            new Run(Model.getRootAsModel(ByteBuffer.wrap(bytes))).check();
        }
        catch (InvalidModelException e) {
            throw e;
        }
        catch (RuntimeException e) {
            throw new InvalidModelException("model structure is unreadable: " + e);
        }
    }

    private static final class Run {

        private final Model model;

        private final int subgraphs;

        private final List<List<Integer>> calls = new ArrayList<>();

        private final Map<String, int[]> variableShapes = new HashMap<>();

        Run(Model model) {
            this.model = model;
            this.subgraphs = model.subgraphsLength();
        }

        void check() {
            if (subgraphs == 0) {
                throw new InvalidModelException("model has no subgraphs");
            }
            if (model.buffersLength() == 0 || model.buffers(0).dataLength() != 0) {
                throw new InvalidModelException("buffer 0 must exist and be empty");
            }
            for (int s = 0; s < subgraphs; s++) {
                calls.add(new ArrayList<>());
                checkSubgraph(s, model.subgraphs(s));
            }
            for (int s = 0; s < model.signatureDefsLength(); s++) {
                checkSignature(model.signatureDefs(s));
            }
            checkAcyclic();
        }

        private void checkSubgraph(int index, SubGraph graph) {
            int tensors = graph.tensorsLength();
            String where = "subgraph " + index;
            for (int t = 0; t < tensors; t++) {
                checkTensor(where, t, graph.tensors(t));
            }
            for (int i = 0; i < graph.inputsLength(); i++) {
                checkIndex(where + " input", graph.inputs(i), tensors, false);
                rejectVariable(where, graph, graph.inputs(i));
            }
            for (int i = 0; i < graph.outputsLength(); i++) {
                checkIndex(where + " output", graph.outputs(i), tensors, false);
                rejectVariable(where, graph, graph.outputs(i));
            }
            Map<Integer, String> handles = new HashMap<>();
            for (int o = 0; o < graph.operatorsLength(); o++) {
                Operator op = graph.operators(o);
                String opWhere = where + " operator " + o;
                if (op.opcodeIndex() >= model.operatorCodesLength()) {
                    throw new InvalidModelException(
                            opWhere + " has opcode index " + op.opcodeIndex() + " of " + model.operatorCodesLength());
                }
                for (int i = 0; i < op.inputsLength(); i++) {
                    checkIndex(opWhere + " input", op.inputs(i), tensors, true);
                }
                for (int i = 0; i < op.outputsLength(); i++) {
                    checkIndex(opWhere + " output", op.outputs(i), tensors, false);
                    rejectVariable(opWhere, graph, op.outputs(i));
                }
                checkOperator(index, graph, op, opWhere, handles);
            }
        }

        private void checkOperator(int index, SubGraph graph, Operator op, String where, Map<Integer, String> handles) {
            int code = Operators.builtinCode(model.operatorCodes((int) op.opcodeIndex()));
            if (Operators.callsSubgraphs(code)) {
                int[] callees = Operators.calledSubgraphs(code, op);
                if (callees == null) {
                    throw new InvalidModelException(where + " lacks the options naming the subgraphs it calls");
                }
                for (int callee : callees) {
                    callsSubgraph(index, callee, where);
                }
                return;
            }
            switch (code) {
                case BuiltinOperator.VAR_HANDLE -> {
                    VarHandleOptions options = op.builtinOptionsType() == BuiltinOptions.VarHandleOptions
                            ? (VarHandleOptions) op.builtinOptions(new VarHandleOptions()) : null;
                    String key = options == null ? "#anonymous" + index + ":" + where
                            : options.container() + "/" + options.sharedName();
                    if (op.outputsLength() == 1) {
                        handles.put(op.outputs(0), key);
                    }
                }
                case BuiltinOperator.ASSIGN_VARIABLE -> {
                    if (op.inputsLength() != 2 || op.inputs(1) < 0) {
                        throw new InvalidModelException(where + ": ASSIGN_VARIABLE needs 2 inputs");
                    }
                    variableShape(handles.get(op.inputs(0)), graph.tensors(op.inputs(1)), where);
                }
                case BuiltinOperator.READ_VARIABLE -> {
                    if (op.inputsLength() != 1 || op.outputsLength() != 1 || op.outputs(0) < 0) {
                        throw new InvalidModelException(where + ": READ_VARIABLE needs 1 input and 1 output");
                    }
                    variableShape(handles.get(op.inputs(0)), graph.tensors(op.outputs(0)), where);
                }
                default -> {
                }
            }
        }

        private void callsSubgraph(int from, int to, String where) {
            if (to < 0 || to >= subgraphs) {
                throw new InvalidModelException(where + " calls subgraph " + to + " of " + subgraphs);
            }
            calls.get(from).add(to);
        }

        /**
         * Each variable must be read and assigned with one shape: TFLite does not check
         * and corrupts memory.
         */
        private void variableShape(String variable, Tensor value, String where) {
            if (variable == null) {
                return; // a handle from outside this subgraph; the interpreter checks
                        // resource types itself
            }
            int[] shape = signatureShape(value);
            int[] known = variableShapes.putIfAbsent(variable, shape);
            if (known != null && !compatible(known, shape)) {
                throw new InvalidModelException(where + ": variable '" + variable + "' used with shape "
                        + Arrays.toString(shape) + " and " + Arrays.toString(known));
            }
        }

        private static int[] signatureShape(Tensor tensor) {
            int[] shape = new int[tensor.shapeSignatureLength() > 0 ? tensor.shapeSignatureLength()
                    : tensor.shapeLength()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = tensor.shapeSignatureLength() > 0 ? tensor.shapeSignature(i) : tensor.shape(i);
            }
            return shape;
        }

        private static boolean compatible(int[] a, int[] b) {
            if (a.length != b.length) {
                return false;
            }
            for (int i = 0; i < a.length; i++) {
                if (a[i] >= 0 && b[i] >= 0 && a[i] != b[i]) {
                    return false;
                }
            }
            return true;
        }

        private void checkTensor(String where, int index, Tensor tensor) {
            String name = where + " tensor " + index + " (" + tensor.name() + ")";
            long elements = 1;
            for (int i = 0; i < tensor.shapeLength(); i++) {
                if (tensor.shape(i) < 0) {
                    throw new InvalidModelException(name + " has a negative dimension");
                }
                elements *= tensor.shape(i);
                if (elements > MAX_TENSOR_BYTES) {
                    throw new InvalidModelException(name + " is too large");
                }
            }
            long buffer = tensor.buffer();
            if (buffer >= model.buffersLength()) {
                throw new InvalidModelException(name + " refers to buffer " + buffer + " of " + model.buffersLength());
            }
            int elementSize = elementSize(tensor.type());
            int dataLength = model.buffers((int) buffer).dataLength();
            if (dataLength > 0 && elementSize > 0 && tensor.sparsity() == null
                    && dataLength != elements * elementSize) {
                throw new InvalidModelException(
                        name + " has " + dataLength + " bytes of data for " + elements + " elements");
            }
            if (tensor.isVariable() && (elementSize == 0 || tensor.shapeSignatureLength() > 0 && hasDynamic(tensor))) {
                throw new InvalidModelException(name + " is a variable tensor of unsupported type or dynamic shape");
            }
        }

        private static boolean hasDynamic(Tensor tensor) {
            for (int i = 0; i < tensor.shapeSignatureLength(); i++) {
                if (tensor.shapeSignature(i) < 0) {
                    return true;
                }
            }
            return false;
        }

        private static void rejectVariable(String where, SubGraph graph, int tensor) {
            if (tensor >= 0 && graph.tensors(tensor).isVariable()) {
                throw new InvalidModelException(where + ": variable tensor " + tensor
                        + " cannot be a graph input, graph output or operator output");
            }
        }

        private void checkSignature(SignatureDef signature) {
            String where = "signature '" + signature.signatureKey() + "'";
            long index = signature.subgraphIndex();
            if (index < 0 || index >= subgraphs) {
                throw new InvalidModelException(where + " refers to subgraph " + index + " of " + subgraphs);
            }
            SubGraph graph = model.subgraphs((int) index);
            for (int i = 0; i < signature.inputsLength(); i++) {
                checkIndex(where + " input", (int) signature.inputs(i).tensorIndex(), graph.tensorsLength(), false);
            }
            for (int i = 0; i < signature.outputsLength(); i++) {
                checkIndex(where + " output", (int) signature.outputs(i).tensorIndex(), graph.tensorsLength(), false);
            }
        }

        private void checkAcyclic() {
            int[] state = new int[subgraphs]; // 0 unvisited, 1 on the path, 2 done
            for (int s = 0; s < subgraphs; s++) {
                visit(s, state);
            }
        }

        private void visit(int subgraph, int[] state) {
            if (state[subgraph] == 2) {
                return;
            }
            if (state[subgraph] == 1) {
                throw new InvalidModelException(
                        "subgraph " + subgraph + " calls itself through CALL_ONCE, WHILE or IF");
            }
            state[subgraph] = 1;
            for (int callee : calls.get(subgraph)) {
                visit(callee, state);
            }
            state[subgraph] = 2;
        }

        private static void checkIndex(String where, int index, int size, boolean optional) {
            if (index >= size || index < (optional ? -1 : 0)) {
                throw new InvalidModelException(where + " refers to tensor " + index + " of " + size);
            }
        }

        private static int elementSize(byte type) {
            return switch (type) {
                case TensorType.FLOAT32, TensorType.INT32, TensorType.UINT32 -> 4;
                case TensorType.FLOAT16, TensorType.INT16, TensorType.UINT16 -> 2;
                case TensorType.UINT8, TensorType.INT8, TensorType.BOOL -> 1;
                case TensorType.INT64, TensorType.FLOAT64, TensorType.UINT64, TensorType.COMPLEX64 -> 8;
                case TensorType.COMPLEX128 -> 16;
                default -> 0; // strings, resources, variants, int4: no fixed element size
            };
        }

    }

}
