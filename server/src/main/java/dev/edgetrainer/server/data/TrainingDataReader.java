package dev.edgetrainer.server.data;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import dev.edgetrainer.model.data.IdxImages;
import dev.edgetrainer.model.data.IdxLimits;
import dev.edgetrainer.model.data.IdxReader;
import dev.edgetrainer.model.data.IdxTooLargeException;
import dev.edgetrainer.model.hosting.HostingPlan.Targets;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.server.inference.ImageDecoder;
import dev.edgetrainer.server.model.JsonTensors;
import dev.edgetrainer.server.model.ModelEngine;
import dev.edgetrainer.server.model.ModelInfo;
import dev.edgetrainer.server.system.BadInputException;
import dev.edgetrainer.server.system.EdgeProperties;
import dev.edgetrainer.server.system.EdgeProperties.Invert;
import dev.edgetrainer.server.system.InputTooLargeException;
import dev.edgetrainer.server.system.RequestMemory;
import dev.edgetrainer.server.system.UnsupportedContentException;

import org.springframework.core.io.InputStreamSource;
import org.springframework.stereotype.Component;

/**
 * Turns the three upload formats into {@link TrainingData} and rejects anything the model
 * cannot train on before a job exists: wrong shapes, non-finite values, empty batches,
 * labels out of range, counts that do not pair up, more samples than
 * {@code edge.limits.max-samples}, and what {@link TrainingDataChecks} finds absurd.
 * Every array it makes is reserved from the request's memory first.
 */
@Component
public class TrainingDataReader {

    private final ModelInfo info;

    private final Optional<ImageDecoder> decoder;

    private final Invert invert;

    private final int maxSamples;

    private final TrainingDataChecks checks;

    TrainingDataReader(ModelEngine engine, EdgeProperties properties) {
        this.info = engine.info();
        this.decoder = ImageDecoder.forModel(info, properties.limits().maxImagePixels());
        this.invert = properties.infer().invert();
        this.maxSamples = properties.limits().maxSamples();
        this.checks = new TrainingDataChecks(properties.trainingInputBounds());
    }

    public ModelInfo.Train spec() {
        return info.requireTrain();
    }

    /**
     * JSON {@code x} (one sample or a batch) with {@code y}: for a classifier, class
     * indices or one target row per sample (binary: the positive class's probability);
     * for regression, the values.
     */
    public TrainingData json(JsonTensors.Parsed x, JsonTensors.Parsed y) {
        ModelInfo.Train spec = spec();
        Tensor xs = JsonTensors.batch(x, spec.x(), "x");
        int count = xs.shape()[0];
        checkCount(count, "x");
        JsonTensors.Parsed ys = JsonTensors.require(y, "y");
        int width = spec.yWidth();
        int[] shape = ys.shape();
        boolean rows = shape.length == 2 && shape[1] == width;
        boolean flat = shape.length == 1;
        float[] targets = switch (spec.targets()) {
            case ONE_HOT -> flat ? targets(classIndices(ys.values()), "y") : rows ? ys.values() : null;
            case CLASS_INDEX -> flat || rows ? targets(classIndices(ys.values()), "y") : null;
            case PROBABILITY -> flat || rows ? probabilities(ys.values()) : null;
            case VALUES -> flat && width == 1 || rows ? ys.values() : null;
        };
        if (targets == null) {
            throw new BadInputException("y", "y has shape " + Arrays.toString(shape) + "; " + expectedY(spec));
        }
        checkPairs(count, targets.length / width, "y");
        checks.inputs(xs.floats(), xs.elementCount() / count, "x");
        if (spec.targets() == Targets.ONE_HOT) {
            checks.targets(targets, width, "y");
        }
        return TrainingData.ofFloats(xs.floats(), targets, count);
    }

    private String expectedY(ModelInfo.Train spec) {
        return switch (spec.targets()) {
            case ONE_HOT -> "give one class index per sample or rows of " + spec.yWidth() + " values";
            case CLASS_INDEX -> "give one class index per sample";
            case PROBABILITY ->
                "give one value per sample: 0 or 1, or the probability of '" + info.classNames().get(1) + "'";
            case VALUES -> spec.yWidth() == 1 ? "give one value per sample"
                    : "give rows of " + spec.yWidth() + " values, one per sample";
        };
    }

    private static int[] classIndices(float[] values) {
        int[] labels = new int[values.length];
        for (int i = 0; i < labels.length; i++) {
            float v = values[i];
            if (v != Math.rint(v)) {
                throw new BadInputException("y[" + i + "]", "y[" + i + "] must be a class index, got " + v);
            }
            labels[i] = (int) v;
        }
        return labels;
    }

    /**
     * A binary model's targets: probabilities of the second class, 0 and 1 for labels.
     */
    private static float[] probabilities(float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!(values[i] >= 0 && values[i] <= 1)) {
                throw new BadInputException("y[" + i + "]", "y[" + i + "] is " + values[i]
                        + "; a binary model's targets are probabilities of its second class, from 0 to 1");
            }
        }
        return values;
    }

    /**
     * The multipart formats: {@code images} and {@code labels} IDX files, or
     * {@code image} parts with a {@code label} part each.
     */
    public TrainingData parts(List<? extends InputStreamSource> image, List<String> label, InputStreamSource images,
            InputStreamSource labels) throws IOException {
        if (images != null || labels != null) {
            if (images == null || labels == null) {
                throw new BadInputException(images == null ? "images" : "labels",
                        "IDX samples need both an 'images' and a 'labels' part");
            }
            // Streamed from the parts: a copy of an upload of up to edge.limits.max-body
            // saved on a small heap.
            try (InputStream imageStream = images.getInputStream(); InputStream labelStream = labels.getInputStream()) {
                return idx(imageStream, labelStream);
            }
        }
        if (image == null || image.isEmpty()) {
            throw new BadInputException("image",
                    "send 'image' parts with 'label' parts, or 'images' and 'labels' IDX files");
        }
        List<byte[]> bytes = new ArrayList<>(image.size());
        for (InputStreamSource part : image) {
            try (InputStream in = part.getInputStream()) {
                bytes.add(RequestMemory.current().readAll(in, "image", "copying the image parts"));
            }
        }
        return images(bytes, label == null ? List.of() : label);
    }

    /** Image parts with a label part each (a class index or name). */
    public TrainingData images(List<byte[]> images, List<String> labels) {
        labelled("label");
        ImageDecoder imageDecoder = decoder.orElseThrow(() -> new UnsupportedContentException("Content-Type",
                "this model does not take images; send JSON {\"x\": ..., \"y\": ...}"));
        if (images.isEmpty()) {
            throw new BadInputException("image", "no image part was sent");
        }
        checkCount(images.size(), "image");
        checkPairs(images.size(), labels.size(), "label");
        int size = imageDecoder.rows() * imageDecoder.cols();
        RequestMemory.current().reserve((long) images.size() * size, "image", "holding the decoded images");
        // Images are 8-bit: trained and kept as such, a quarter of the floats' size.
        byte[] pixels = new byte[images.size() * size];
        int[] classes = new int[labels.size()];
        for (int i = 0; i < images.size(); i++) {
            float[] decoded = imageDecoder.decode(images.get(i), "image[" + i + "]", invert);
            for (int p = 0; p < size; p++) {
                pixels[i * size + p] = (byte) Math.round(Math.min(1f, Math.max(0f, decoded[p])) * 255f);
            }
            classes[i] = classIndex(labels.get(i), "label[" + i + "]");
        }
        checks.pixels(pixels, "image");
        return TrainingData.ofPixels(pixels, targets(classes, "label"), images.size());
    }

    /** Fashion-MNIST's own IDX files, gzipped or not. */
    public TrainingData idx(InputStream images, InputStream labels) {
        labelled("labels");
        IdxImages pixels;
        byte[] classes;
        // The stream names are the part names: an IdxFormatException blames its part.
        try {
            pixels = IdxReader.readImages(images, "images", limits("images", "reading the IDX images"));
            classes = IdxReader.readLabels(labels, "labels", limits("labels", "reading the IDX labels"));
        }
        catch (IdxTooLargeException e) {
            throw new InputTooLargeException(e.source(), "'" + e.source() + "' declares " + e.count()
                    + " samples; a training request may carry at most " + e.limit() + " (edge.limits.max-samples)");
        }
        catch (IOException e) {
            throw new BadInputException("images", "cannot read the IDX files: " + e.getMessage());
        }
        int[] sample = info.sampleShape();
        if (sample.length < 2 || pixels.rows() != sample[0] || pixels.cols() != sample[1]
                || Arrays.stream(sample).skip(2).anyMatch(d -> d != 1)) {
            throw new BadInputException("images", "the IDX images are " + pixels.rows() + "x" + pixels.cols()
                    + "; the model takes " + Arrays.toString(sample));
        }
        if (pixels.count() == 0) {
            throw new BadInputException("images", "the IDX file holds no images");
        }
        checkPairs(pixels.count(), classes.length, "labels");
        checks.pixels(pixels.pixels(), "images");
        int[] indices = new int[classes.length];
        for (int i = 0; i < indices.length; i++) {
            indices[i] = classes[i] & 0xFF;
        }
        return TrainingData.ofPixels(pixels.pixels(), targets(indices, "labels"), pixels.count());
    }

    /** At most max-samples items, their data reserved before it is read. */
    private IdxLimits limits(String part, String what) {
        RequestMemory memory = RequestMemory.current();
        return new IdxLimits(maxSamples, bytes -> memory.reserve(bytes, part, what));
    }

    private void checkCount(int count, String field) {
        if (count > maxSamples) {
            throw new InputTooLargeException(field, count + " samples in one training request; the limit is "
                    + maxSamples + " (edge.limits.max-samples)");
        }
    }

    private int classIndex(String label, String field) {
        String trimmed = label.trim();
        List<String> names = info.classNames();
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i).equalsIgnoreCase(trimmed)) {
                return i;
            }
        }
        try {
            return Integer.parseInt(trimmed);
        }
        catch (NumberFormatException e) {
            throw new BadInputException(field, field + " '" + label + "' is neither a class index nor one of " + names);
        }
    }

    /**
     * The train role, for a format whose labels are classes.
     * @throws BadInputException for a regression model, whose targets are values
     */
    private ModelInfo.Train labelled(String field) {
        ModelInfo.Train spec = spec();
        if (!info.output().isClassifier()) {
            throw new BadInputException(field, "this model predicts values (edge.model.output=regression), not "
                    + "classes, so it takes no labels; train it with JSON {\"x\": ..., \"y\": [values]}");
        }
        return spec;
    }

    /** Class labels as the train role's y: one-hot rows, indices or 0/1. */
    private float[] targets(int[] labels, String field) {
        ModelInfo.Train spec = spec();
        int classes = info.output().classes();
        int width = spec.yWidth();
        RequestMemory.current().reserve((long) labels.length * width * Float.BYTES, field, "building the targets");
        float[] out = new float[labels.length * width];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new BadInputException(field + "[" + i + "]",
                        field + "[" + i + "] is " + labels[i] + "; class indices run from 0 to " + (classes - 1));
            }
            if (spec.targets() == Targets.ONE_HOT) {
                out[i * width + labels[i]] = 1f;
            }
            else {
                out[i] = labels[i];
            }
        }
        return out;
    }

    private static void checkPairs(int samples, int labels, String field) {
        if (samples != labels) {
            throw new BadInputException(field, samples + " samples but " + labels + " " + field.toLowerCase(Locale.ROOT)
                    + "; they must pair up one to one");
        }
    }

}
