package dev.edgetrainer.server.model;

import java.util.Arrays;
import java.util.Map;

import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.server.system.BadInputException;

/**
 * The model's {@code infer} signature on a batch of samples: at once, or sample by sample
 * for a model whose batch size is fixed at 1. Interpreter thread only.
 */
public final class BatchInference {

    private BatchInference() {
    }

    /**
     * Per sample, row-major: the probabilities (or the only output) and, when the model
     * returns them, the logits.
     */
    public record Outputs(float[] probabilities, float[] logits, int count) {
    }

    /**
     * @throws BadInputException when the model takes batches of a fixed size other than
     * this batch's or 1
     */
    public static Outputs run(LoadedModel model, ModelInfo info, Tensor batch) {
        ModelInfo.Infer spec = info.infer();
        int n = batch.shape()[0];
        int fixed = info.fixedBatch();
        if (fixed < 0 || fixed == n) {
            Map<String, Tensor> out = model.model().run(spec.signature(), Map.of(spec.input().name(), batch));
            return new Outputs(out.get(spec.output()).floats(),
                    spec.logits() == null ? null : out.get(spec.logits()).floats(), n);
        }
        if (fixed != 1) {
            throw new BadInputException("x", "this model takes batches of exactly " + fixed + " samples, got " + n);
        }
        int classes = info.classNames().size();
        int size = batch.elementCount() / n;
        float[] probabilities = new float[n * classes];
        float[] logits = spec.logits() == null ? null : new float[n * classes];
        for (int i = 0; i < n; i++) {
            int[] shape = batch.shape();
            shape[0] = 1;
            Tensor one = Tensor.ofFloats(shape, Arrays.copyOfRange(batch.floats(), i * size, (i + 1) * size));
            Outputs single = run(model, info, one);
            System.arraycopy(single.probabilities(), 0, probabilities, i * classes, classes);
            if (logits != null) {
                System.arraycopy(single.logits(), 0, logits, i * classes, classes);
            }
        }
        return new Outputs(probabilities, logits, n);
    }

}
