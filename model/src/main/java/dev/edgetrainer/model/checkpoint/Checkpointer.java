package dev.edgetrainer.model.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.edgetrainer.model.io.AtomicFiles;
import dev.edgetrainer.model.runtime.InvalidInputException;
import dev.edgetrainer.model.runtime.ModelException;
import dev.edgetrainer.model.runtime.TrainableModel;
import dev.edgetrainer.model.tensor.DataType;
import dev.edgetrainer.model.tensor.Signature;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.TensorSpec;

/**
 * Saves and restores a model's weights through its own signatures, whichever of the two
 * styles it uses. Signature pairs recognised, in order: {@code save}/{@code restore} (the
 * TFLite tutorial), {@code parameters}/{@code restore} (Flower),
 * {@code get_weights}/{@code set_weights} (flutter_litert); or any pair named by the
 * caller. A path-style signature gets its path in the shape it declares ({@code []},
 * {@code [1]}, {@code [-1]}...).
 */
public final class Checkpointer {

    private static final List<String[]> PAIRS = List.of(new String[] { "save", "restore" },
            new String[] { "parameters", "restore" }, new String[] { "get_weights", "set_weights" });

    private final TrainableModel model;

    private final CheckpointStyle style;

    private final Signature save;

    private final Signature restore;

    private Checkpointer(TrainableModel model, CheckpointStyle style, Signature save, Signature restore) {
        this.model = model;
        this.style = style;
        this.save = save;
        this.restore = restore;
    }

    /** The first recognised pair of signatures; style NONE when there is none. */
    public static Checkpointer of(TrainableModel model) {
        for (String[] pair : PAIRS) {
            Optional<Signature> save = model.signature(pair[0]);
            Optional<Signature> restore = model.signature(pair[1]);
            if (save.isPresent() && restore.isPresent() && styleOf(save.get(), restore.get()) != CheckpointStyle.NONE) {
                return of(model, pair[0], pair[1]);
            }
        }
        return new Checkpointer(model, CheckpointStyle.NONE, null, null);
    }

    /**
     * The pair of signatures named; style NONE when they do not form a checkpoint pair
     * ({@link #styleOf}).
     * @throws IllegalArgumentException when the model has no signature of either name
     */
    public static Checkpointer of(TrainableModel model, String saveKey, String restoreKey) {
        Signature save = model.signature(saveKey)
            .orElseThrow(() -> new IllegalArgumentException("the model has no signature '" + saveKey + "'"));
        Signature restore = model.signature(restoreKey)
            .orElseThrow(() -> new IllegalArgumentException("the model has no signature '" + restoreKey + "'"));
        CheckpointStyle style = styleOf(save, restore);
        return style == CheckpointStyle.NONE ? new Checkpointer(model, style, null, null)
                : new Checkpointer(model, style, save, restore);
    }

    /**
     * How two signatures checkpoint together: PATH when each takes one path (a string of
     * one element), TENSORS when save takes nothing and returns the tensors restore
     * takes, else NONE.
     */
    public static CheckpointStyle styleOf(Signature save, Signature restore) {
        if (isPathStyle(save) && isPathStyle(restore)) {
            return CheckpointStyle.PATH;
        }
        if (save.inputs().isEmpty() && !save.outputs().isEmpty() && sameNames(save.outputs(), restore.inputs())) {
            return CheckpointStyle.TENSORS;
        }
        return CheckpointStyle.NONE;
    }

    private static boolean isPathStyle(Signature signature) {
        return signature.inputs().size() == 1 && signature.inputs().get(0).type() == DataType.STRING
                && Arrays.stream(signature.inputs().get(0).shape()).allMatch(d -> d == 1 || d == -1);
    }

    /**
     * One path in the shape a path-style signature declares: a scalar for {@code []}, one
     * element for {@code [1]} or {@code [-1]}.
     */
    private static Tensor path(Signature signature, Path file) {
        TensorSpec spec = signature.inputs().get(0);
        int[] shape = spec.shape();
        Arrays.fill(shape, 1);
        return Tensor.ofStrings(shape, new String[] { file.toString() });
    }

    /** The save signature's key; null for style NONE. */
    public String saveKey() {
        return save == null ? null : save.key();
    }

    /** The restore signature's key; null for style NONE. */
    public String restoreKey() {
        return restore == null ? null : restore.key();
    }

    /** The path input of a path-style model, e.g. {@code checkpoint_path: string[1]}. */
    public TensorSpec pathSpec() {
        requireStyle(CheckpointStyle.PATH);
        return save.inputs().get(0);
    }

    private static boolean sameNames(List<TensorSpec> outputs, List<TensorSpec> inputs) {
        return outputs.stream()
            .map(TensorSpec::name)
            .sorted()
            .toList()
            .equals(inputs.stream().map(TensorSpec::name).sorted().toList());
    }

    public CheckpointStyle style() {
        return style;
    }

    /**
     * The weights a checkpoint of this model holds: what a
     * {@link CheckpointStyle#TENSORS} save returns and its restore takes, or what a
     * {@link CheckpointStyle#PATH} restore reads from the file and returns (its
     * {@code FlexSave} writes exactly those).
     */
    public List<TensorSpec> weightSpecs() {
        return switch (style) {
            case TENSORS -> restore.inputs();
            case PATH -> restore.outputs();
            case NONE -> throw new ModelException("model " + model.source() + " has no checkpoint signatures");
        };
    }

    /** The model's current weights (tensor style). */
    public Map<String, Tensor> save() {
        return saveInto(Map.of());
    }

    /**
     * The current weights, copied into the arrays of {@code previous} (an earlier save's
     * result) where they fit.
     */
    public Map<String, Tensor> saveInto(Map<String, Tensor> previous) {
        requireStyle(CheckpointStyle.TENSORS);
        return model.run(save.key(), Map.of(), previous);
    }

    /**
     * Puts weights back (tensor style). Every weight must be present with the exact dtype
     * and shape, and finite: TFLite would accept a wrong shape silently and corrupt the
     * variable.
     * @throws InvalidInputException naming the first weight that does not fit; the model
     * is unchanged
     */
    public void restore(Map<String, Tensor> weights) {
        requireStyle(CheckpointStyle.TENSORS);
        check(weights);
        model.run(restore.key(), weights);
    }

    /**
     * Checks weights against this model without restoring them: for a path-style model,
     * the tensors of a checkpoint file its restore would read.
     * @throws InvalidInputException naming the first weight that does not fit
     */
    public void check(Map<String, Tensor> weights) {
        List<TensorSpec> specs = weightSpecs();
        for (String name : weights.keySet()) {
            if (specs.stream().noneMatch(spec -> spec.name().equals(name))) {
                throw new InvalidInputException(name, "the model has no weight '" + name + "'");
            }
        }
        for (TensorSpec spec : specs) {
            Tensor tensor = weights.get(spec.name());
            if (tensor == null) {
                throw new InvalidInputException(spec.name(), "weight '" + spec.name() + "' is missing");
            }
            if (tensor.type() != spec.type() || !spec.accepts(tensor.shape())) {
                throw new InvalidInputException(spec.name(),
                        "weight '" + spec.name() + "' must be " + spec + ", got " + tensor);
            }
            if (tensor.type() == DataType.FLOAT32) {
                for (float v : tensor.floats()) {
                    if (!Float.isFinite(v)) {
                        throw new InvalidInputException(spec.name(),
                                "weight '" + spec.name() + "' contains NaN or infinity");
                    }
                }
            }
        }
    }

    /** Writes a checkpoint file through the model's own save signature (path style). */
    public void saveTo(Path file) {
        requireStyle(CheckpointStyle.PATH);
        model.run(save.key(), Map.of(save.inputs().get(0).name(), path(save, file)));
    }

    /**
     * Reads a checkpoint file through the model's own restore signature (path style).
     * Such a signature assigns the variables one by one, so a file that fails half way
     * would leave the model half restored: the current weights are saved beside the file
     * first and put back if the restore fails.
     * @throws ModelException if the file cannot be restored; the model is unchanged
     */
    public Map<String, Tensor> restoreFrom(Path file) {
        requireStyle(CheckpointStyle.PATH);
        // A temp-file name: whoever owns the directory removes it with the other
        // leftovers of interrupted writes, should this process die before the finally.
        Path backup = AtomicFiles.tempFile(file);
        try {
            saveTo(backup);
            try {
                return new LinkedHashMap<>(runRestore(file));
            }
            catch (RuntimeException e) {
                runRestore(backup);
                throw e;
            }
        }
        finally {
            try {
                Files.deleteIfExists(backup);
            }
            catch (IOException ignored) {
                // a leftover temp file is removed with the other leftovers
            }
        }
    }

    private Map<String, Tensor> runRestore(Path file) {
        return model.run(restore.key(), Map.of(restore.inputs().get(0).name(), path(restore, file)));
    }

    private void requireStyle(CheckpointStyle required) {
        if (style != required) {
            throw new ModelException(
                    "model " + model.source() + " checkpoints in style " + style + ", not " + required);
        }
    }

}
