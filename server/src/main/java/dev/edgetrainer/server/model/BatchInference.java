package dev.edgetrainer.server.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.server.system.BadInputException;

/**
 * The model's infer role on a batch of samples: at once, or sample by sample for a model
 * whose batch size is fixed at 1. Interpreter thread only; requests reach it through
 * {@link InferBatcher}.
 */
public final class BatchInference {

    private BatchInference() {
    }

    /**
     * Per sample, row-major: the output read (what {@link ModelInfo.Output#kind()} says:
     * probabilities, logits, the binary probability or values) and, when the model
     * returns them beside it, the logits.
     */
    public record Outputs(float[] values, float[] logits, int count) {

        /** Sample {@code i}'s values. */
        public float[] values(int i) {
            return slice(values, i, i + 1);
        }

        /** Sample {@code i}'s logits, or null. */
        public float[] logits(int i) {
            return logits == null ? null : slice(logits, i, i + 1);
        }

        /** Samples {@code from} (inclusive) to {@code to}, as outputs of their own. */
        public Outputs rows(int from, int to) {
            return new Outputs(slice(values, from, to), logits == null ? null : slice(logits, from, to), to - from);
        }

        private float[] slice(float[] all, int from, int to) {
            int width = all.length / count;
            return Arrays.copyOfRange(all, from * width, to * width);
        }

    }

    /**
     * @throws NotInferableException when the model has no infer role
     * @throws BadInputException when the model takes batches of a fixed size other than
     * this batch's or 1
     */
    public static Outputs run(LoadedModel model, ModelInfo info, Tensor batch) {
        ModelInfo.Infer spec = info.requireInfer();
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
        int size = batch.elementCount() / n;
        List<Outputs> singles = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int[] shape = batch.shape();
            shape[0] = 1;
            singles.add(run(model, info,
                    Tensor.ofFloats(shape, Arrays.copyOfRange(batch.floats(), i * size, (i + 1) * size))));
        }
        return new Outputs(concat(singles.stream().map(Outputs::values).toList()),
                spec.logits() == null ? null : concat(singles.stream().map(Outputs::logits).toList()), n);
    }

    static float[] concat(List<float[]> parts) {
        float[] all = new float[parts.stream().mapToInt(part -> part.length).sum()];
        int at = 0;
        for (float[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

}
