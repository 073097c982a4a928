package dev.edgetrainer.model.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import dev.edgetrainer.model.flex.FlexKernels;
import dev.edgetrainer.model.graph.InvalidModelException;
import dev.edgetrainer.model.graph.ModelInspection;
import dev.edgetrainer.model.graph.ModelValidator;
import dev.edgetrainer.model.tensor.DataType;
import dev.edgetrainer.model.tensor.Signature;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.TensorSpec;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.tensorflowlite.TfLiteIntArray;
import org.bytedeco.tensorflowlite.TfLiteInterpreter;
import org.bytedeco.tensorflowlite.TfLiteInterpreterOptions;
import org.bytedeco.tensorflowlite.TfLiteModel;
import org.bytedeco.tensorflowlite.TfLiteSignatureRunner;
import org.bytedeco.tensorflowlite.TfLiteTensor;

import static org.bytedeco.tensorflowlite.global.tensorflowlite.*;

/**
 * A TensorFlow Lite model with its own interpreter, run through named signatures.
 *
 * <p>
 * Every model is checked by TFLite's flatbuffer verifier and by {@link ModelValidator}
 * before the interpreter sees it, because the interpreter trusts the file and a bad one
 * kills the process. Inputs are checked in Java (names, dtype, shape) before anything is
 * copied into native memory. Not thread-safe: one thread owns a model, as the
 * interpreter's resource variables are shared by all its signatures.
 */
public final class TrainableModel implements AutoCloseable {

    private final String source;

    private final BytePointer modelBytes;

    private final TfLiteModel model;

    private final TfLiteInterpreterOptions options;

    private final TfLiteInterpreter interpreter;

    private final Map<String, Runner> runners = new LinkedHashMap<>();

    private final List<Signature> signatures;

    private final ModelInspection inspection;

    private final Options loadOptions;

    private boolean closed;

    private TrainableModel(String source, byte[] bytes, Options loadOptions) {
        this.source = source;
        this.loadOptions = loadOptions;
        this.modelBytes = new BytePointer(bytes.length);
        modelBytes.put(bytes);
        TfLiteModel createdModel = null;
        TfLiteInterpreterOptions createdOptions = null;
        try {
            // The C API verifies the flatbuffer (VerifyAndBuildFromBuffer) and reports
            // through our callback.
            ErrorCapture.clear();
            createdModel = TfLiteModelCreateWithErrorReporter(modelBytes, bytes.length, ErrorCapture.REPORTER, null);
            if (createdModel == null || createdModel.isNull()) {
                throw new ModelException(source + " is not a valid TensorFlow Lite model" + ErrorCapture.drain());
            }
            try {
                this.inspection = ModelInspection.of(bytes);
            }
            catch (InvalidModelException e) {
                throw new ModelException(source + " was rejected: " + e.getMessage(), e);
            }
            createdOptions = TfLiteInterpreterOptionsCreate();
            TfLiteInterpreterOptionsSetErrorReporter(createdOptions, ErrorCapture.REPORTER, null);
            TfLiteInterpreterOptionsSetNumThreads(createdOptions, loadOptions.threads());
            FlexOps.addTo(createdOptions);
            FlexOps.addPlaceholders(createdOptions, missingOps());
            this.model = createdModel;
            this.options = createdOptions;
            TfLiteInterpreter created = TfLiteInterpreterCreate(model, options);
            if (created == null || created.isNull()) {
                throw new ModelException("TFLite could not create an interpreter for " + source + ErrorCapture.drain());
            }
            this.interpreter = created;
            this.signatures = readSignatures();
        }
        catch (RuntimeException e) {
            if (createdOptions != null) {
                TfLiteInterpreterOptionsDelete(createdOptions);
            }
            if (createdModel != null && !createdModel.isNull()) {
                TfLiteModelDelete(createdModel);
            }
            modelBytes.close();
            throw e;
        }
    }

    /**
     * How a model is loaded.
     *
     * @param threads TFLite's own threads for one call (intra-op parallelism: XNNPACK and
     * the builtin kernels split their work); the model is still called from one thread at
     * a time. Java Flex kernels always run on the calling thread.
     */
    public record Options(int threads) {

        /** Upper bound of {@link #threads}: more than any edge device has cores. */
        public static final int MAX_THREADS = 64;

        /** One thread: what {@link #load(Path)} and {@link #load(byte[], String)} use. */
        public static final Options DEFAULT = new Options(1);

        public Options {
            if (threads < 1 || threads > MAX_THREADS) {
                throw new IllegalArgumentException("threads must be between 1 and " + MAX_THREADS + ", got " + threads);
            }
        }

    }

    /** Loads a model from a file; see {@link #load(byte[], String)}. */
    public static TrainableModel load(Path path) {
        return load(path, Options.DEFAULT);
    }

    /** Loads a model from a file; see {@link #load(byte[], String, Options)}. */
    public static TrainableModel load(Path path, Options options) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        }
        catch (IOException e) {
            throw new ModelException("cannot read model " + path + ": " + e.getMessage(), e);
        }
        return load(bytes, path.toString(), options);
    }

    /**
     * Loads a model with {@link Options#DEFAULT}; see
     * {@link #load(byte[], String, Options)}.
     */
    public static TrainableModel load(byte[] bytes, String source) {
        return load(bytes, source, Options.DEFAULT);
    }

    /**
     * Loads a model from its flatbuffer bytes. The bytes are copied; {@code source} names
     * the model in messages.
     * @throws ModelException if the file is not a valid TFLite model or fails the
     * structural checks
     */
    public static TrainableModel load(byte[] bytes, String source, Options options) {
        return new TrainableModel(source, bytes, options);
    }

    /**
     * Loads the JavaCPP and TFLite native libraries now rather than with the first model:
     * a few hundred milliseconds that a server can spend on another thread while it
     * starts. Safe to call from any thread, any number of times.
     */
    public static void preload() {
        runtimeVersion();
    }

    /** The TFLite runtime version, e.g. {@code 2.19.0}. */
    public static String runtimeVersion() {
        return TfLiteVersion().getString();
    }

    /**
     * Custom operators this runtime registers beyond TFLite's builtins: the Java Flex
     * kernels.
     */
    public static Set<String> providedCustomOps() {
        return FlexKernels.SUPPORTED;
    }

    /** The custom ops this model uses that the runtime does not provide, sorted. */
    public Set<String> missingOps() {
        Set<String> missing = new TreeSet<>(inspection.customOps());
        missing.removeAll(providedCustomOps());
        return missing;
    }

    /**
     * The custom ops a signature needs that the runtime does not provide: it cannot run
     * if any.
     */
    public Set<String> missingOps(String signature) {
        return inspection.missingOps(signature, providedCustomOps());
    }

    /** Operators and custom ops of the model, as read from its flatbuffer. */
    public ModelInspection inspection() {
        return inspection;
    }

    public String source() {
        return source;
    }

    /** The options this model was loaded with. */
    public Options options() {
        return loadOptions;
    }

    public List<Signature> signatures() {
        ensureOpen();
        return signatures;
    }

    public Optional<Signature> signature(String key) {
        ensureOpen();
        return signatures.stream().filter(s -> s.key().equals(key)).findFirst();
    }

    /**
     * Runs a signature. Every input of the signature must be given, with its dtype and a
     * shape the signature accepts (dynamic dimensions free); outputs come back by name in
     * the signature's order.
     * @throws InvalidInputException if the inputs do not fit; nothing was run
     * @throws UnsupportedOpsException if the signature needs custom ops this runtime
     * lacks; nothing was run
     * @throws ModelException if TFLite fails; the message carries TFLite's report
     */
    public Map<String, Tensor> run(String key, Map<String, Tensor> inputs) {
        return run(key, inputs, Map.of());
    }

    /**
     * As {@link #run(String, Map)}, copying each output into the tensor of the same name
     * in {@code reuse} when dtype and shape match: loops that read the same outputs every
     * step allocate nothing.
     */
    public Map<String, Tensor> run(String key, Map<String, Tensor> inputs, Map<String, Tensor> reuse) {
        ensureOpen();
        Runner runner = runners.get(key);
        if (runner == null) {
            throw new InvalidInputException("signature",
                    "model has no signature '" + key + "'; it has " + runners.keySet());
        }
        Set<String> missing = missingOps(key);
        if (!missing.isEmpty()) {
            throw new UnsupportedOpsException(key, missing);
        }
        return runner.run(inputs, reuse);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        runners.values().forEach(Runner::delete);
        runners.clear();
        TfLiteInterpreterDelete(interpreter);
        TfLiteInterpreterOptionsDelete(options);
        TfLiteModelDelete(model);
        modelBytes.close();
    }

    public boolean isClosed() {
        return closed;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("model " + source + " is closed");
        }
    }

    private List<Signature> readSignatures() {
        List<Signature> result = new ArrayList<>();
        int count = TfLiteInterpreterGetSignatureCount(interpreter);
        for (int i = 0; i < count; i++) {
            String key = TfLiteInterpreterGetSignatureKey(interpreter, i).getString(StandardCharsets.UTF_8);
            TfLiteSignatureRunner handle = TfLiteInterpreterGetSignatureRunner(interpreter, key);
            if (handle == null || handle.isNull()) {
                throw new ModelException(
                        "TFLite has no runner for signature '" + key + "' of " + source + ErrorCapture.drain());
            }
            Runner runner = new Runner(key, handle);
            runners.put(key, runner);
            result.add(runner.signature);
        }
        return List.copyOf(result);
    }

    /** One signature's runner with the shapes its inputs were last allocated for. */
    private final class Runner {

        private final String key;

        private final TfLiteSignatureRunner handle;

        private final Signature signature;

        private final String[] inputNames;

        private final String[] outputNames;

        /**
         * The runner's own C strings for the names: passing Java strings would copy them
         * to native memory per call.
         */
        private final BytePointer[] inputKeys;

        private final BytePointer[] outputKeys;

        private final int[][] allocatedShapes;

        private boolean allocated;

        Runner(String key, TfLiteSignatureRunner handle) {
            this.key = key;
            this.handle = handle;
            int inputCount = (int) TfLiteSignatureRunnerGetInputCount(handle);
            int outputCount = (int) TfLiteSignatureRunnerGetOutputCount(handle);
            inputNames = new String[inputCount];
            outputNames = new String[outputCount];
            inputKeys = new BytePointer[inputCount];
            outputKeys = new BytePointer[outputCount];
            allocatedShapes = new int[inputCount][];
            List<TensorSpec> inputSpecs = new ArrayList<>();
            List<TensorSpec> outputSpecs = new ArrayList<>();
            for (int i = 0; i < inputCount; i++) {
                inputKeys[i] = TfLiteSignatureRunnerGetInputName(handle, i);
                inputNames[i] = inputKeys[i].getString(StandardCharsets.UTF_8);
                TfLiteTensor tensor = TfLiteSignatureRunnerGetInputTensor(handle, inputKeys[i]);
                inputSpecs.add(spec(inputNames[i], tensor));
                allocatedShapes[i] = TensorCopy.dims(tensor.dims());
            }
            for (int i = 0; i < outputCount; i++) {
                outputKeys[i] = TfLiteSignatureRunnerGetOutputName(handle, i);
                outputNames[i] = outputKeys[i].getString(StandardCharsets.UTF_8);
                outputSpecs.add(spec(outputNames[i], TfLiteSignatureRunnerGetOutputTensor(handle, outputKeys[i])));
            }
            signature = new Signature(key, inputSpecs, outputSpecs);
        }

        Map<String, Tensor> run(Map<String, Tensor> inputs, Map<String, Tensor> reuse) {
            Tensor[] ordered = checkInputs(inputs);
            ErrorCapture.clear();
            boolean reshaped = false;
            for (int i = 0; i < ordered.length; i++) {
                if (!ordered[i].hasShape(allocatedShapes[i])) {
                    int[] shape = ordered[i].shape();
                    check(TfLiteSignatureRunnerResizeInputTensor(handle, inputKeys[i], shape, shape.length),
                            "resize input '" + inputNames[i] + "' to " + Arrays.toString(shape));
                    allocatedShapes[i] = shape;
                    reshaped = true;
                }
            }
            if (reshaped || !allocated) {
                allocated = false;
                check(TfLiteSignatureRunnerAllocateTensors(handle), "allocate tensors");
                allocated = true;
            }
            for (int i = 0; i < ordered.length; i++) {
                TensorCopy.copyIn(inputNames[i], TfLiteSignatureRunnerGetInputTensor(handle, inputKeys[i]), ordered[i]);
            }
            check(TfLiteSignatureRunnerInvoke(handle), "invoke");
            Map<String, Tensor> outputs = new LinkedHashMap<>();
            for (int i = 0; i < outputNames.length; i++) {
                String name = outputNames[i];
                outputs.put(name, TensorCopy.copyOut(name, TfLiteSignatureRunnerGetOutputTensor(handle, outputKeys[i]),
                        reuse.get(name)));
            }
            return outputs;
        }

        private Tensor[] checkInputs(Map<String, Tensor> inputs) {
            for (String name : inputs.keySet()) {
                if (signature.input(name).isEmpty()) {
                    throw new InvalidInputException(name, "signature '" + key + "' has no input '" + name
                            + "'; its inputs are " + Arrays.toString(inputNames));
                }
            }
            Tensor[] ordered = new Tensor[inputNames.length];
            for (int i = 0; i < inputNames.length; i++) {
                TensorSpec spec = signature.inputs().get(i);
                Tensor tensor = inputs.get(spec.name());
                if (tensor == null) {
                    throw new InvalidInputException(spec.name(),
                            "signature '" + key + "' needs input '" + spec.name() + "' (" + spec + ")");
                }
                if (tensor.type() != spec.type()) {
                    throw new InvalidInputException(spec.name(), "input '" + spec.name() + "' must be "
                            + spec.type().name().toLowerCase() + ", got " + tensor.type().name().toLowerCase());
                }
                if (!spec.accepts(tensor.shape())) {
                    throw new InvalidInputException(spec.name(),
                            "input '" + spec.name() + "' must have shape " + Arrays.toString(spec.shape())
                                    + " (-1 = any size), got " + Arrays.toString(tensor.shape()));
                }
                ordered[i] = tensor;
            }
            return ordered;
        }

        private void check(int status, String what) {
            if (status != kTfLiteOk) {
                throw new ModelException("signature '" + key + "' of " + source + ": " + what + " failed ("
                        + statusName(status) + ")" + ErrorCapture.drain());
            }
        }

        void delete() {
            TfLiteSignatureRunnerDelete(handle);
        }

    }

    private static TensorSpec spec(String name, TfLiteTensor tensor) {
        DataType type = TensorCopy.type(TfLiteTensorType(tensor));
        TfLiteIntArray signature = tensor.dims_signature();
        int[] shape = signature != null && !signature.isNull() && signature.size() > 0 ? TensorCopy.dims(signature)
                : TensorCopy.dims(tensor.dims());
        return new TensorSpec(name, type, shape);
    }

    private static String statusName(int status) {
        return switch (status) {
            case 1 -> "error";
            case 2 -> "delegate error";
            case 3 -> "application error";
            case 4 -> "delegate data not found";
            case 5 -> "delegate data write error";
            case 6 -> "delegate data read error";
            case 7 -> "unresolved ops";
            case 8 -> "cancelled";
            default -> "status " + status;
        };
    }

}
