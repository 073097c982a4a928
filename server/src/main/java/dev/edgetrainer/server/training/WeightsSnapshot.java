package dev.edgetrainer.server.training;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

import dev.edgetrainer.model.checkpoint.Checkpointer;
import dev.edgetrainer.model.tensor.DataType;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.server.model.LoadedModel;

/**
 * The weights as a job found them, taken before its first step so that a job that fails
 * can put them back: all or nothing. One copy per job, not per step: a copy costs a good
 * part of a train step (a path-style model's own save to a file, several steps).
 * Tensor-style weights are kept in memory; a path-style model writes them to a scratch
 * file in the checkpoint directory; a model without save/restore signatures cannot be
 * snapshotted. Interpreter thread only.
 */
final class WeightsSnapshot implements AutoCloseable {

    private final Map<String, Tensor> tensors;

    private final Path file;

    private WeightsSnapshot(Map<String, Tensor> tensors, Path file) {
        this.tensors = tensors;
        this.file = file;
    }

    static WeightsSnapshot take(LoadedModel model, Supplier<Path> scratchFile) {
        Checkpointer checkpointer = model.checkpointer();
        return switch (checkpointer.style()) {
            case TENSORS -> new WeightsSnapshot(checkpointer.save(), null);
            case PATH -> {
                Path file = scratchFile.get();
                checkpointer.saveTo(file);
                yield new WeightsSnapshot(null, file);
            }
            case NONE -> new WeightsSnapshot(null, null);
        };
    }

    /** Whether {@link #restore} can put the weights back. */
    boolean canRestore() {
        return tensors != null || file != null;
    }

    void restore(LoadedModel model) {
        if (tensors != null) {
            model.checkpointer().restore(tensors);
        }
        else if (file != null) {
            model.checkpointer().restoreFrom(file);
        }
    }

    /**
     * The largest magnitude among the snapshot's weights; NaN when they cannot be read (a
     * path-style model's file is in its own format).
     */
    double maxAbs() {
        return (tensors != null) ? maxAbs(tensors) : Double.NaN;
    }

    /** The largest magnitude among the model's weights now; NaN when unreadable. */
    double maxAbsNow(LoadedModel model) {
        return (tensors != null) ? maxAbs(model.checkpointer().save()) : Double.NaN;
    }

    private static double maxAbs(Map<String, Tensor> weights) {
        double max = 0;
        for (Tensor tensor : weights.values()) {
            if (tensor.type() != DataType.FLOAT32) {
                continue;
            }
            for (float v : tensor.floats()) {
                if (!Float.isFinite(v)) {
                    return Double.POSITIVE_INFINITY;
                }
                max = Math.max(max, Math.abs(v));
            }
        }
        return max;
    }

    @Override
    public void close() {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            }
            catch (IOException e) {
                // A leftover temp file is removed with the others at startup.
            }
        }
    }

}
