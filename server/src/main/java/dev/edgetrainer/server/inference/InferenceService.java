package dev.edgetrainer.server.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.server.model.JsonTensors;
import dev.edgetrainer.server.model.LoadedModel;
import dev.edgetrainer.server.model.ModelEngine;
import dev.edgetrainer.server.model.ModelInfo;
import dev.edgetrainer.server.model.TaskKind;
import dev.edgetrainer.server.model.WeightsRef;
import dev.edgetrainer.server.system.BadInputException;
import dev.edgetrainer.server.system.EdgeProperties;
import dev.edgetrainer.server.system.EdgeProperties.Invert;
import dev.edgetrainer.server.system.UnsupportedContentException;

import org.springframework.stereotype.Service;

/**
 * Decodes and checks samples on the request thread, then runs one {@code infer} task per
 * request on the interpreter thread. Decoding in parallel outside the interpreter thread
 * keeps its time for the model alone.
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

    /** The decoder for this model's input. */
    ImageDecoder decoder() {
        if (decoder == null) {
            throw new UnsupportedContentException("Content-Type",
                    "this model takes " + info.infer().input() + ", not images; send JSON {\"x\": ...}");
        }
        return decoder;
    }

    InferenceResponse images(List<byte[]> images, String invert, Integer top) {
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

    InferenceResponse tensors(JsonTensors.Parsed x, Integer top) {
        Tensor batch = JsonTensors.batch(x, info.infer().input(), "x");
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
        int[] shape = info.infer().input().shape();
        shape[0] = n;
        return shape;
    }

    private InferenceResponse run(Tensor batch, Integer top) {
        int k = top == null ? defaultTop : top;
        if (k < 1) {
            throw new BadInputException("top", "top must be at least 1, got " + k);
        }
        int ranked = Math.min(k, info.classNames().size());
        return ModelEngine.await(engine.submit(TaskKind.INFER, model -> {
            Outputs outputs = infer(model, batch);
            return new InferenceResponse(predictions(outputs, ranked), WeightsRef.of(engine));
        }));
    }

    private record Outputs(float[] probabilities, float[] logits, int count) {
    }

    /**
     * Runs the whole batch at once, or sample by sample for a model whose batch size is
     * fixed at 1.
     */
    private Outputs infer(LoadedModel model, Tensor batch) {
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
            Outputs single = infer(model, one);
            System.arraycopy(single.probabilities(), 0, probabilities, i * classes, classes);
            if (logits != null) {
                System.arraycopy(single.logits(), 0, logits, i * classes, classes);
            }
        }
        return new Outputs(probabilities, logits, n);
    }

    private List<InferenceResponse.Prediction> predictions(Outputs outputs, int ranked) {
        int classes = info.classNames().size();
        List<InferenceResponse.Prediction> predictions = new ArrayList<>(outputs.count());
        for (int i = 0; i < outputs.count(); i++) {
            float[] p = Arrays.copyOfRange(outputs.probabilities(), i * classes, (i + 1) * classes);
            float[] logits = outputs.logits() == null ? null
                    : Arrays.copyOfRange(outputs.logits(), i * classes, (i + 1) * classes);
            List<InferenceResponse.Ranked> top = IntStream.range(0, classes)
                .boxed()
                .sorted(Comparator.comparingDouble(c -> -p[c]))
                .limit(ranked)
                .map(c -> new InferenceResponse.Ranked(c, info.classNames().get(c), p[c]))
                .toList();
            predictions.add(new InferenceResponse.Prediction(i, top.get(0).label(), p, logits, top));
        }
        return predictions;
    }

}
