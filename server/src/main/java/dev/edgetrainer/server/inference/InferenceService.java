package dev.edgetrainer.server.inference;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

import dev.edgetrainer.model.hosting.OutputKind;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.server.model.BatchInference;
import dev.edgetrainer.server.model.InferBatcher;
import dev.edgetrainer.server.model.JsonTensors;
import dev.edgetrainer.server.model.ModelEngine;
import dev.edgetrainer.server.model.ModelInfo;
import dev.edgetrainer.server.model.TaskKind;
import dev.edgetrainer.server.system.BadInputException;
import dev.edgetrainer.server.system.EdgeProperties;
import dev.edgetrainer.server.system.EdgeProperties.Invert;
import dev.edgetrainer.server.system.UnsupportedContentException;

import org.springframework.stereotype.Service;

/**
 * Decodes and checks samples on the request thread, has the interpreter thread run
 * {@code infer} on them (merged with other waiting requests by {@link InferBatcher}), and
 * turns the outputs into predictions back on the request thread. Decoding and ranking in
 * parallel outside the interpreter thread keeps its time for the model alone. Answers
 * follow the model's output kind: classes with probabilities (from probabilities, logits
 * or one binary probability and the threshold), or regression values.
 */
@Service
class InferenceService {

    private final InferBatcher batcher;

    private final ModelInfo info;

    private final int defaultTop;

    private final int maxSamples;

    private final Invert defaultInvert;

    private final ImageDecoder decoder;

    private final RecentSamples recent;

    InferenceService(ModelEngine engine, InferBatcher batcher, RecentSamples recent, EdgeProperties properties) {
        this.batcher = batcher;
        this.recent = recent;
        this.info = engine.info();
        this.defaultTop = properties.model().topK();
        this.maxSamples = properties.infer().maxSamples();
        this.defaultInvert = properties.infer().invert();
        this.decoder = ImageDecoder.forModel(info, properties.limits().maxImagePixels()).orElse(null);
    }

    /**
     * The infer role.
     * @throws NotInferableException when the model has none
     */
    private ModelInfo.Infer spec() {
        return info.requireInfer();
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
        return keep(run(Tensor.ofFloats(prependBatch(images.size()), batch), top), batch);
    }

    InferenceResponse tensors(JsonTensors.Parsed x, Integer top) {
        Tensor batch = JsonTensors.batch(x, spec().input(), "x");
        checkCount(batch.shape()[0], "x");
        return keep(run(batch, top), batch.floats());
    }

    /** Answered samples join the dashboard's recent ones; refused ones never do. */
    private InferenceResponse keep(InferenceResponse answer, float[] batch) {
        int count = answer.predictions().size();
        int size = batch.length / count;
        recent.record(RecentSamples.Source.INFER, count,
                (index, out, offset) -> System.arraycopy(batch, index * size, out, offset, size), index -> -1);
        return answer;
    }

    /**
     * The recent samples with what the current weights make of them: one inference of all
     * of them, so the grid shows what the model knows now.
     */
    RecentSamplesResponse recent() {
        List<RecentSamples.Sample> samples = recent.newestFirst();
        if (samples.isEmpty()) {
            return new RecentSamplesResponse(recent.keepsImages(), List.of(), null);
        }
        int size = samples.get(0).pixels().length;
        float[] batch = new float[samples.size() * size];
        for (int i = 0; i < samples.size(); i++) {
            System.arraycopy(samples.get(i).input(), 0, batch, i * size, size);
        }
        InferenceResponse answer = run(Tensor.ofFloats(prependBatch(samples.size()), batch), 1, TaskKind.DASHBOARD);
        List<RecentSamplesResponse.RecentSample> views = new ArrayList<>(samples.size());
        for (int i = 0; i < samples.size(); i++) {
            RecentSamples.Sample sample = samples.get(i);
            InferenceResponse.Prediction prediction = answer.predictions().get(i);
            // A classifier's predicted class (binary ones by the threshold); a regression
            // model's values instead.
            InferenceResponse.Ranked predicted = prediction.classIndex() == null ? null : new InferenceResponse.Ranked(
                    prediction.classIndex(), prediction.label(), prediction.probability());
            RecentSamplesResponse.Truth truth = sample.label() < 0 ? null
                    : new RecentSamplesResponse.Truth(sample.label(), info.classNames().get(sample.label()));
            views.add(new RecentSamplesResponse.RecentSample(sample.pngDataUrl(),
                    sample.source().name().toLowerCase(Locale.ROOT), sample.at(), predicted, prediction.values(), truth,
                    truth == null || predicted == null ? null : truth.index() == predicted.index()));
        }
        return new RecentSamplesResponse(true, views, answer.weights());
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
        return run(batch, top, TaskKind.INFER);
    }

    private InferenceResponse run(Tensor batch, Integer top, TaskKind kind) {
        int k = top == null ? defaultTop : top;
        if (k < 1) {
            throw new BadInputException("top", "top must be at least 1, got " + k);
        }
        ModelInfo.Output output = info.output();
        int ranked = Math.min(k, output.classes());
        InferBatcher.Rows rows = ModelEngine.await(batcher.infer(batch, kind));
        return new InferenceResponse(output.kind().setting(),
                output.kind() == OutputKind.BINARY ? output.threshold() : null, predictions(rows.outputs(), ranked),
                rows.weights());
    }

    private List<InferenceResponse.Prediction> predictions(BatchInference.Outputs outputs, int ranked) {
        ModelInfo.Output output = info.output();
        List<InferenceResponse.Prediction> predictions = new ArrayList<>(outputs.count());
        for (int i = 0; i < outputs.count(); i++) {
            float[] values = outputs.values(i);
            if (!output.isClassifier()) {
                predictions.add(InferenceResponse.Prediction.values(values));
                continue;
            }
            float[] probabilities = output.classProbabilities(values);
            // Logits as the model gives them: the output itself when it is logits.
            float[] logits = output.kind() == OutputKind.LOGITS ? values : outputs.logits(i);
            predictions.add(classified(probabilities, logits, output.predictedClass(probabilities), ranked));
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

}
