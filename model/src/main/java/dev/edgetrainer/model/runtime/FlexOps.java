package dev.edgetrainer.model.runtime;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import dev.edgetrainer.model.flex.FlexKernel;
import dev.edgetrainer.model.flex.FlexKernels;
import dev.edgetrainer.model.flex.KernelTensor;
import dev.edgetrainer.model.tensor.DataType;
import dev.edgetrainer.model.tensor.Tensor;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorflowlite.TfLiteContext;
import org.bytedeco.tensorflowlite.TfLiteIntArray;
import org.bytedeco.tensorflowlite.TfLiteInterpreterOptions;
import org.bytedeco.tensorflowlite.TfLiteNode;
import org.bytedeco.tensorflowlite.TfLiteRegistration;
import org.bytedeco.tensorflowlite.TfLiteTensor;

import static org.bytedeco.tensorflowlite.global.tensorflowlite.*;

/**
 * Registers the Java {@link FlexKernels} as TFLite custom ops through JavaCPP callbacks.
 *
 * <p>
 * Everything native here lives as long as the process: interpreters keep pointers to the
 * registrations, their names and the callbacks, and a collected callback's slot would be
 * reused by the next one. One set of callbacks serves every op; {@code init} reads the op
 * from the node's custom options and gives the node an id that {@code user_data} carries
 * to the other callbacks. Callbacks run on the thread that invokes the interpreter, catch
 * everything (an exception must never unwind through TFLite's C++ frames) and report
 * through {@link ErrorCapture}.
 */
final class FlexOps {

    private static final int OK = kTfLiteOk;

    private static final int ERROR = kTfLiteError;

    /**
     * The C API registers every version in the range one by one; converters write Flex
     * ops as version 1.
     */
    private static final int MAX_OP_VERSION = 4;

    private static final Map<Long, Node> NODES = new ConcurrentHashMap<>();

    private static final AtomicLong NODE_IDS = new AtomicLong();

    private static final Init INIT = new Init();

    private static final MissingInit MISSING_INIT = new MissingInit();

    private static final Map<String, Registered> PLACEHOLDERS = new ConcurrentHashMap<>();

    private static final Free FREE = new Free();

    private static final Prepare PREPARE = new Prepare();

    private static final Invoke INVOKE = new Invoke();

    private static final List<Registered> REGISTERED = register();

    /**
     * A node's kernel, or why it has none (reported when the node is prepared), and the
     * output shapes the model declares, taken before any resize.
     */
    private static final class Node {

        private final String op;

        private final FlexKernel kernel;

        private final String error;

        private volatile int[][] declaredOutputs;

        Node(String op, FlexKernel kernel, String error) {
            this.op = op;
            this.kernel = kernel;
            this.error = error;
        }

        String op() {
            return op;
        }

        FlexKernel kernel() {
            return kernel;
        }

        String error() {
            return error;
        }

    }

    private record Registered(BytePointer name, TfLiteRegistration registration) {
    }

    private FlexOps() {
    }

    /** Adds every provided Flex op to an interpreter's options. */
    static void addTo(TfLiteInterpreterOptions options) {
        for (Registered op : REGISTERED) {
            TfLiteInterpreterOptionsAddCustomOp(options, op.name(), op.registration(), 1, MAX_OP_VERSION);
        }
    }

    /**
     * Registers a stand-in for each custom op the runtime does not provide, so that such
     * a model still loads (TFLite refuses to build an interpreter with an unknown custom
     * op) and only the signatures that need the op fail, when prepared. Stand-ins are
     * kept per name for the process, like the real registrations.
     */
    static void addPlaceholders(TfLiteInterpreterOptions options, Iterable<String> missing) {
        for (String name : missing) {
            Registered op = PLACEHOLDERS.computeIfAbsent(name, n -> registration(n, MISSING_INIT));
            TfLiteInterpreterOptionsAddCustomOp(options, op.name(), op.registration(), 1, MAX_OP_VERSION);
        }
    }

    private static List<Registered> register() {
        return FlexKernels.SUPPORTED.stream().map(name -> registration(name, INIT)).toList();
    }

    private static Registered registration(String name, TfLiteRegistration.Init_TfLiteContext_BytePointer_long init) {
        BytePointer namePointer = new BytePointer(name);
        TfLiteRegistration registration = new TfLiteRegistration();
        Pointer.memset(registration, 0, Loader.sizeof(TfLiteRegistration.class));
        registration.init(init)
            ._free(FREE)
            .prepare(PREPARE)
            .invoke(INVOKE)
            .builtin_code(kTfLiteBuiltinCustom)
            .custom_name(namePointer)
            .version(1);
        return new Registered(namePointer, registration);
    }

    /** The init of a stand-in: the node gets no kernel, so preparing it fails. */
    private static final class MissingInit extends TfLiteRegistration.Init_TfLiteContext_BytePointer_long {

        @Override
        public Pointer call(TfLiteContext context, BytePointer buffer, long length) {
            long id = NODE_IDS.incrementAndGet();
            NODES.put(id, new Node("custom op", null, "not provided by this runtime"));
            return new NodeId(id);
        }

    }

    private static final class Init extends TfLiteRegistration.Init_TfLiteContext_BytePointer_long {

        @Override
        public Pointer call(TfLiteContext context, BytePointer buffer, long length) {
            long id = NODE_IDS.incrementAndGet();
            String op = "Flex?";
            try {
                byte[] options = new byte[(int) Math.min(length, Integer.MAX_VALUE)];
                buffer.capacity(length).get(options);
                op = FlexKernels.customOp(options);
                NODES.put(id, new Node(op, FlexKernels.create(op, options), null));
            }
            catch (Throwable e) {
                NODES.put(id, new Node(op, null, message(e)));
            }
            return new NodeId(id);
        }

    }

    /** A pointer whose address is a node id, handed to TFLite as {@code user_data}. */
    private static final class NodeId extends Pointer {

        NodeId(long id) {
            address = id;
        }

    }

    private static final class Free extends TfLiteRegistration.Free_TfLiteContext_Pointer {

        @Override
        public void call(TfLiteContext context, Pointer buffer) {
            try {
                NODES.remove(buffer.address());
            }
            catch (Throwable ignored) {
                // never unwind into TFLite
            }
        }

    }

    private static final class Prepare extends TfLiteRegistration.Prepare_TfLiteContext_TfLiteNode {

        @Override
        public int call(TfLiteContext context, TfLiteNode node) {
            Node state = NODES.get(node.user_data().address());
            try {
                FlexKernel kernel = kernel(state);
                if (state.declaredOutputs == null) {
                    state.declaredOutputs = declaredShapes(context, node.outputs());
                }
                List<KernelTensor> outputs = tensors(context, node.outputs(), state.declaredOutputs);
                List<int[]> shapes = kernel.prepare(tensors(context, node.inputs(), null), outputs);
                for (int i = 0; i < outputs.size(); i++) {
                    NativeTensor output = (NativeTensor) outputs.get(i);
                    if (shapes == null) {
                        output.makeDynamic();
                    }
                    else {
                        output.resize(shapes.get(i));
                    }
                }
                return OK;
            }
            catch (Throwable e) {
                return fail(state, e);
            }
        }

    }

    private static final class Invoke extends TfLiteRegistration.Invoke_TfLiteContext_TfLiteNode {

        @Override
        public int call(TfLiteContext context, TfLiteNode node) {
            Node state = NODES.get(node.user_data().address());
            try {
                kernel(state).invoke(tensors(context, node.inputs(), null),
                        tensors(context, node.outputs(), state.declaredOutputs));
                return OK;
            }
            catch (Throwable e) {
                return fail(state, e);
            }
        }

    }

    private static FlexKernel kernel(Node state) {
        if (state == null) {
            throw new IllegalStateException("unknown node");
        }
        if (state.kernel() == null) {
            throw new IllegalStateException(state.error());
        }
        return state.kernel();
    }

    private static int fail(Node state, Throwable e) {
        try {
            ErrorCapture.report((state == null ? "Flex op" : state.op()) + ": " + message(e));
        }
        catch (Throwable ignored) {
            // reporting must not throw either
        }
        return ERROR;
    }

    private static String message(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * The tensors of a node; {@code declared} gives each its declared shape, or null for
     * none.
     */
    private static List<KernelTensor> tensors(TfLiteContext context, TfLiteIntArray indices, int[][] declared) {
        int count = indices.size();
        List<KernelTensor> tensors = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            tensors.add(new NativeTensor(context, tensor(context, indices.data(i)),
                    declared == null ? new int[0] : declared[i]));
        }
        return tensors;
    }

    /**
     * The shapes the model gives a node's outputs: its shape signature if any, else the
     * shape it was loaded with.
     */
    private static int[][] declaredShapes(TfLiteContext context, TfLiteIntArray indices) {
        int[][] shapes = new int[indices.size()][];
        for (int i = 0; i < shapes.length; i++) {
            TfLiteTensor tensor = tensor(context, indices.data(i));
            int[] signature = TensorCopy.dims(tensor.dims_signature());
            shapes[i] = signature.length > 0 ? signature : TensorCopy.dims(tensor.dims());
        }
        return shapes;
    }

    private static TfLiteTensor tensor(TfLiteContext context, int index) {
        if (index < 0 || index >= context.tensors_size()) {
            throw new IllegalStateException("node refers to tensor " + index + " (optional inputs are not supported)");
        }
        return context.tensors().getPointer(index);
    }

    /** An interpreter tensor seen by a kernel. */
    private static final class NativeTensor implements KernelTensor {

        private final TfLiteContext context;

        private final TfLiteTensor tensor;

        private final int[] declared;

        private final String name;

        NativeTensor(TfLiteContext context, TfLiteTensor tensor, int[] declared) {
            this.context = context;
            this.tensor = tensor;
            this.declared = declared;
            BytePointer tensorName = tensor.name();
            this.name = tensorName == null || tensorName.isNull() ? "unnamed"
                    : tensorName.getString(StandardCharsets.UTF_8);
        }

        @Override
        public DataType type() {
            return TensorCopy.type(tensor.type());
        }

        @Override
        public int[] shape() {
            return TensorCopy.dims(tensor.dims());
        }

        @Override
        public int[] declaredShape() {
            return declared.clone();
        }

        @Override
        public Tensor read() {
            return TensorCopy.copyOut(name, tensor, null);
        }

        @Override
        public void write(Tensor value) {
            if (value.type() != type()) {
                throw new IllegalStateException(
                        "output '" + name + "' is " + type() + ", kernel wrote " + value.type());
            }
            boolean sameShape = java.util.Arrays.equals(value.shape(), shape());
            if (tensor.allocation_type() == kTfLiteDynamic) {
                // A dynamic output has no memory until resized, even to the shape it
                // already has.
                Pointer data = TfLiteTensorData(tensor);
                if (!sameShape || data == null || data.isNull()) {
                    resize(value.shape());
                }
            }
            else if (!sameShape) {
                throw new IllegalStateException("output '" + name + "' cannot change shape");
            }
            TensorCopy.copyIn(name, tensor, value);
        }

        void resize(int[] shape) {
            TfLiteIntArray dims = TfLiteIntArrayCreate(shape.length);
            for (int i = 0; i < shape.length; i++) {
                dims.data(i, shape[i]);
            }
            // TFLite takes ownership of dims.
            if (context.ResizeTensor().call(context, tensor, dims) != OK) {
                throw new IllegalStateException("cannot resize output '" + name + "'");
            }
        }

        /**
         * For outputs sized only when invoked: TFLite's inline SetTensorToDynamic, which
         * JavaCPP does not expose.
         */
        void makeDynamic() {
            if (tensor.allocation_type() != kTfLiteDynamic) {
                TfLiteTensorDataFree(tensor);
                tensor.allocation_type(kTfLiteDynamic);
            }
        }

    }

}
