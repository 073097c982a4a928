package dev.edgetrainer.server.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import dev.edgetrainer.model.hosting.OutputKind;
import dev.edgetrainer.model.runtime.InvalidInputException;
import dev.edgetrainer.model.runtime.ModelException;
import dev.edgetrainer.model.runtime.UnsupportedOpsException;
import dev.edgetrainer.model.tensor.Signature;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.server.model.JsonTensors;
import dev.edgetrainer.server.model.LoadedModel;
import dev.edgetrainer.server.model.ModelEngine;
import dev.edgetrainer.server.model.ModelFaultException;
import dev.edgetrainer.server.model.ModelInfo;
import dev.edgetrainer.server.model.TaskKind;
import dev.edgetrainer.server.model.WeightsRef;
import dev.edgetrainer.server.system.BadInputException;
import dev.edgetrainer.server.system.EdgeProperties;
import dev.edgetrainer.server.system.EdgeProperties.Invert;
import dev.edgetrainer.server.system.UnsupportedContentException;
import tools.jackson.databind.JsonNode;

import org.springframework.stereotype.Service;

/**
 * Decodes and checks samples on the request thread, then runs one {@code infer} task per
 * request on the interpreter thread. Decoding in parallel outside the interpreter thread
 * keeps its time for the model alone. Answers follow the model's output kind: classes
 * with probabilities (from probabilities, logits or one binary probability and the
 * threshold), or regression values.
 */
@Service
class InferenceService {

    private final ModelEngine engine;

    private final ModelInfo info;

    private final int defaultTop;

    private final int maxSamples;

    private final Invert defaultInvert;

    private final ImageDecoder decoder;

    InferenceService(ModelEngine engine, EdgeProperties properties) {
        this.engine = engine;
        this.info = engine.info();
        this.defaultTop = properties.model().topK();
        this.maxSamples = properties.infer().maxSamples();
        this.defaultInvert = properties.infer().invert();
        this.decoder = ImageDecoder.forModel(info, properties.limits().maxImagePixels()).orElse(null);
    }

    /**
     * The infer role.
     * @throws InferenceUnavailableException when the model has none
     */
    private ModelInfo.Infer spec() {
        return info.inferSpec()
            .orElseThrow(
                    () -> new InferenceUnavailableException(info.absent().getOrDefault("infer", "it has no infer role"),
                            info.signatures().stream().map(Signature::key).toList()));
    }

    /** The decoder for this model's input. */
    ImageDecoder decoder() {
        if (decoder == null) {
            throw new UnsupportedContentException("Content-Type",
                    "this model takes " + spec().input() + ", not images; send JSON {\"x\": ...}");
        }
        return decoder;
    }

    InferenceResponse images(List<byte[]> images, String invert, Integer top) {
        spec();
        if (images.isEmpty()) {
            throw new BadInputException("image", "no image was sent");
        }
        checkCount(images.size(), "image");
        ImageDecoder imageDecoder = decoder();
        Invert mode = ImageDecoder.invert(invert, defaultInvert);
        int size = Arrays.stream(info.sampleShape()).reduce(1, Math::multiplyExact);
        float[] batch = new float[images.size() * size];
        for (int i = 0; i < images.size(); i++) {
            String field = images.size() == 1 ? "image" : "image[" + i + "]";
            System.arraycopy(imageDecoder.decode(images.get(i), field, mode), 0, batch, i * size, size);
        }
        return run(Tensor.ofFloats(prependBatch(images.size()), batch), top);
    }

    InferenceResponse tensors(JsonNode x, Integer top) {
        ModelInfo.Infer spec = spec();
        long sampleSize = Arrays.stream(info.sampleShape()).asLongStream().reduce(1, Math::multiplyExact);
        Tensor batch = JsonTensors.batch(JsonTensors.parse(x, "x", sampleSize * maxSamples), spec.input(), "x");
        checkCount(batch.shape()[0], "x");
        return run(batch, top);
    }

    private void checkCount(int count, String field) {
        if (count > maxSamples) {
            throw new BadInputException(field,
                    count + " samples in one request; the limit is " + maxSamples + " (edge.infer.max-samples)");
        }
    }

    private int[] prependBatch(int n) {
        int[] shape = spec().input().shape();
        shape[0] = n;
        return shape;
    }

    private InferenceResponse run(Tensor batch, Integer top) {
        int k = top == null ? defaultTop : top;
        if (k < 1) {
            throw new BadInputException("top", "top must be at least 1, got " + k);
        }
        ModelInfo.Output output = info.output();
        int ranked = Math.min(k, output.classes());
        return ModelEngine.await(engine.submit(TaskKind.INFER, model -> {
            Outputs outputs = infer(model, batch);
            engine.state().faultCleared("infer");
            return new InferenceResponse(output.kind().setting(),
                    output.kind() == OutputKind.BINARY ? output.threshold() : null, predictions(outputs, ranked),
                    WeightsRef.of(engine));
        }));
    }

    /** The output read and the logits beside it (or null), row-major per sample. */
    private record Outputs(float[] values, float[] logits, int count) {
    }

    /**
     * Runs the whole batch at once, or sample by sample for a model whose batch size is
     * fixed at 1.
     */
    private Outputs infer(LoadedModel model, Tensor batch) {
        ModelInfo.Infer spec = spec();
        int n = batch.shape()[0];
        int fixed = info.fixedBatch();
        if (fixed < 0 || fixed == n) {
            Map<String, Tensor> out;
            try {
                out = model.model().run(spec.signature(), Map.of(spec.input().name(), batch));
            }
            catch (InvalidInputException | UnsupportedOpsException e) {
                throw e;
            }
            catch (ModelException e) {
                throw ModelFaultException.raise(engine.state(), "infer", spec.signature(),
                        "input that fits its declared shape " + spec.input(), e);
            }
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
            singles.add(
                    infer(model, Tensor.ofFloats(shape, Arrays.copyOfRange(batch.floats(), i * size, (i + 1) * size))));
        }
        return new Outputs(concat(singles.stream().map(Outputs::values).toList()),
                spec.logits() == null ? null : concat(singles.stream().map(Outputs::logits).toList()), n);
    }

    private static float[] concat(List<float[]> parts) {
        float[] all = new float[parts.stream().mapToInt(part -> part.length).sum()];
        int at = 0;
        for (float[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    private List<InferenceResponse.Prediction> predictions(Outputs outputs, int ranked) {
        ModelInfo.Output output = info.output();
        int width = outputs.values().length / outputs.count();
        int logitsWidth = outputs.logits() == null ? 0 : outputs.logits().length / outputs.count();
        List<InferenceResponse.Prediction> predictions = new ArrayList<>(outputs.count());
        for (int i = 0; i < outputs.count(); i++) {
            float[] values = Arrays.copyOfRange(outputs.values(), i * width, (i + 1) * width);
            float[] logits = outputs.logits() == null ? null
                    : Arrays.copyOfRange(outputs.logits(), i * logitsWidth, (i + 1) * logitsWidth);
            predictions.add(switch (output.kind()) {
                case PROBABILITIES -> classified(values, logits, argmax(values), ranked);
                case LOGITS -> {
                    float[] probabilities = softmax(values);
                    yield classified(probabilities, values, argmax(probabilities), ranked);
                }
                case BINARY -> classified(new float[] { 1 - values[0], values[0] }, logits,
                        values[0] >= output.threshold() ? 1 : 0, ranked);
                case REGRESSION -> InferenceResponse.Prediction.values(values);
            });
        }
        return predictions;
    }

    private InferenceResponse.Prediction classified(float[] probabilities, float[] logits, int predicted, int ranked) {
        List<String> names = info.classNames();
        List<InferenceResponse.Ranked> top = IntStream.range(0, probabilities.length)
            .boxed()
            .sorted(Comparator.comparingDouble(c -> -probabilities[c]))
            .limit(ranked)
            .map(c -> new InferenceResponse.Ranked(c, names.get(c), probabilities[c]))
            .toList();
        return new InferenceResponse.Prediction(names.get(predicted), predicted, probabilities[predicted],
                probabilities, logits, top, null);
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Probabilities of logits, computed stably in double precision. */
    static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit);
        }
        double sum = 0;
        double[] exps = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            exps[i] = Math.exp(logits[i] - max);
            sum += exps[i];
        }
        float[] probabilities = new float[logits.length];
        for (int i = 0; i < logits.length; i++) {
            probabilities[i] = (float) (exps[i] / sum);
        }
        return probabilities;
    }

}
