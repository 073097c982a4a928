package dev.edgetrainer.model.flex;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.edgetrainer.model.io.AtomicFiles;
import dev.edgetrainer.model.tensor.CorruptCheckpointException;
import dev.edgetrainer.model.tensor.DataType;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.WeightsFile;

/**
 * {@code Save}, {@code SaveV2}, {@code Restore} and {@code RestoreV2}, reading and
 * writing the {@link WeightsFile} format (named tensors with a SHA-256) at the path the
 * model is given: one file, written atomically, where TF would write its own
 * tensor-bundle files. Sliced saving and restoring ({@code shape_and_slices}) is not
 * supported.
 */
final class CheckpointKernels {

    private static final Set<DataType> SAVABLE = Set.of(DataType.FLOAT32, DataType.INT32, DataType.INT64);

    private CheckpointKernels() {
    }

    /**
     * {@code Save(filename, tensor_names[N], data...)} and, with slices,
     * {@code SaveV2(prefix, names, slices, data...)}.
     */
    static FlexKernel save(String op, boolean v2) {
        int fixedInputs = v2 ? 3 : 2;
        return new FlexKernel() {
            @Override
            public List<int[]> prepare(List<KernelTensor> inputs, List<KernelTensor> outputs) {
                Checks.count(op, outputs, 0, "outputs");
                if (inputs.size() < fixedInputs) {
                    throw new FlexOpException(
                            op + " expects at least " + fixedInputs + " inputs, got " + inputs.size());
                }
                scalarString(op, inputs.get(0), v2 ? "prefix" : "filename");
                int count = inputs.size() - fixedInputs;
                stringVector(op, inputs.get(1), "tensor_names", count);
                if (v2) {
                    stringVector(op, inputs.get(2), "shape_and_slices", count);
                }
                for (int i = fixedInputs; i < inputs.size(); i++) {
                    if (!SAVABLE.contains(inputs.get(i).type())) {
                        throw new FlexOpException(
                                op + ": cannot save tensors of type " + inputs.get(i).type().name().toLowerCase());
                    }
                }
                return List.of();
            }

            @Override
            public void invoke(List<KernelTensor> inputs, List<KernelTensor> outputs) {
                prepare(inputs, outputs);
                Path file = Path.of(inputs.get(0).read().strings()[0]);
                String[] names = inputs.get(1).read().strings();
                if (v2) {
                    noSlices(op, inputs.get(2).read().strings());
                }
                Map<String, Tensor> tensors = new LinkedHashMap<>();
                for (int i = 0; i < names.length; i++) {
                    if (names[i].isEmpty() || tensors.put(names[i], inputs.get(fixedInputs + i).read()) != null) {
                        throw new FlexOpException(
                                op + ": tensor names must be unique and not empty, got '" + names[i] + "'");
                    }
                }
                try {
                    AtomicFiles.write(file, WeightsFile.encode(tensors));
                }
                catch (IOException e) {
                    throw new FlexOpException(op + ": cannot write " + file + ": " + e.getMessage());
                }
            }
        };
    }

    /** {@code Restore(file_pattern, tensor_name) -> tensor} with attribute {@code dt}. */
    static FlexKernel restore(String op, NodeDef node) {
        DataType expected = node.type("dt").map(TfTypes::toRuntime).orElse(null);
        return new FlexKernel() {
            @Override
            public List<int[]> prepare(List<KernelTensor> inputs, List<KernelTensor> outputs) {
                Checks.count(op, inputs, 2, "inputs");
                Checks.count(op, outputs, 1, "outputs");
                scalarString(op, inputs.get(0), "file_pattern");
                scalarString(op, inputs.get(1), "tensor_name");
                return null;
            }

            @Override
            public void invoke(List<KernelTensor> inputs, List<KernelTensor> outputs) {
                prepare(inputs, outputs);
                Map<String, Tensor> file = read(op, inputs.get(0).read().strings()[0]);
                String name = inputs.get(1).read().strings()[0];
                outputs.get(0).write(take(op, file, name, expected, outputs.get(0)));
            }
        };
    }

    /**
     * {@code RestoreV2(prefix, tensor_names[N], shape_and_slices[N]) -> N tensors} with
     * attribute {@code dtypes}.
     */
    static FlexKernel restoreV2(String op, NodeDef node) {
        List<DataType> expected = node.typeList("dtypes").stream().map(TfTypes::toRuntime).toList();
        return new FlexKernel() {
            @Override
            public List<int[]> prepare(List<KernelTensor> inputs, List<KernelTensor> outputs) {
                Checks.count(op, inputs, 3, "inputs");
                scalarString(op, inputs.get(0), "prefix");
                stringVector(op, inputs.get(1), "tensor_names", outputs.size());
                stringVector(op, inputs.get(2), "shape_and_slices", outputs.size());
                return null;
            }

            @Override
            public void invoke(List<KernelTensor> inputs, List<KernelTensor> outputs) {
                prepare(inputs, outputs);
                noSlices(op, inputs.get(2).read().strings());
                Map<String, Tensor> file = read(op, inputs.get(0).read().strings()[0]);
                String[] names = inputs.get(1).read().strings();
                for (int i = 0; i < names.length; i++) {
                    DataType type = i < expected.size() ? expected.get(i) : null;
                    outputs.get(i).write(take(op, file, names[i], type, outputs.get(i)));
                }
            }
        };
    }

    private static Tensor take(String op, Map<String, Tensor> file, String name, DataType expected,
            KernelTensor output) {
        Tensor tensor = file.get(name);
        if (tensor == null) {
            throw new FlexOpException(op + ": tensor '" + name + "' is not in the checkpoint; it has " + file.keySet());
        }
        if (expected != null && tensor.type() != expected || tensor.type() != output.type()) {
            throw new FlexOpException(op + ": tensor '" + name + "' is " + tensor.type().name().toLowerCase()
                    + " in the checkpoint, the model expects " + output.type().name().toLowerCase());
        }
        // TFLite would assign a wrongly shaped value to its variable without a word and
        // corrupt it.
        int[] declared = output.declaredShape();
        if (declared.length > 0 && !fits(declared, tensor.shape())) {
            throw new FlexOpException(op + ": tensor '" + name + "' has shape " + Arrays.toString(tensor.shape())
                    + " in the checkpoint, the model expects " + Arrays.toString(declared));
        }
        return tensor;
    }

    private static boolean fits(int[] declared, int[] actual) {
        if (declared.length != actual.length) {
            return false;
        }
        for (int i = 0; i < declared.length; i++) {
            if (declared[i] >= 0 && declared[i] != actual[i]) {
                return false;
            }
        }
        return true;
    }

    private static final LastRead LAST_READ = new LastRead();

    /**
     * The last file read, reused while unchanged: a restore reads one file once per
     * restored tensor.
     */
    private static final class LastRead {

        private Path path;

        private Object key;

        private Map<String, Tensor> tensors;

        synchronized Map<String, Tensor> get(Path file) throws IOException {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            Object fileKey = List.of(attributes.size(), attributes.lastModifiedTime(),
                    String.valueOf(attributes.fileKey()));
            if (!file.equals(path) || !fileKey.equals(key)) {
                tensors = WeightsFile.decode(Files.readAllBytes(file));
                path = file;
                key = fileKey;
            }
            return tensors;
        }

    }

    private static Map<String, Tensor> read(String op, String pathName) {
        Path path = Path.of(pathName);
        try {
            return LAST_READ.get(path);
        }
        catch (java.nio.file.NoSuchFileException e) {
            throw new FlexOpException(op + ": checkpoint " + path + " does not exist");
        }
        catch (IOException | UncheckedIOException e) {
            throw new FlexOpException(op + ": cannot read checkpoint " + path + ": " + e.getMessage());
        }
        catch (CorruptCheckpointException e) {
            throw new FlexOpException(op + ": checkpoint " + path + " is corrupt: " + e.getMessage());
        }
    }

    private static void scalarString(String op, KernelTensor tensor, String name) {
        Checks.type(op, tensor, name, DataType.STRING);
        if (tensor.shape().length != 0 && Arrays.stream(tensor.shape()).reduce(1, Math::multiplyExact) != 1) {
            throw new FlexOpException(
                    op + ": " + name + " must be a single string, got shape " + Arrays.toString(tensor.shape()));
        }
    }

    private static void stringVector(String op, KernelTensor tensor, String name, int count) {
        Checks.type(op, tensor, name, DataType.STRING);
        int[] shape = tensor.shape();
        if (shape.length != 1 || shape[0] != count) {
            throw new FlexOpException(
                    op + ": expected " + name + " to have " + count + " elements, got shape " + Arrays.toString(shape));
        }
    }

    private static void noSlices(String op, String[] slices) {
        Set<String> distinct = new HashSet<>(Arrays.asList(slices));
        distinct.remove("");
        if (!distinct.isEmpty()) {
            throw new FlexOpException(op + ": sliced checkpoints are not supported, got shape_and_slices " + distinct);
        }
    }

}
