package dev.edgetrainer.model.graph;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import dev.edgetrainer.model.checkpoint.Checkpointer;
import dev.edgetrainer.model.graph.MlpSpec.Head;
import dev.edgetrainer.model.runtime.TrainableModel;
import dev.edgetrainer.model.tensor.DataType;
import dev.edgetrainer.model.tensor.Signature;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.TensorSpec;
import dev.edgetrainer.model.tensor.WeightsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MlpModelWriterTests {

    private static final MlpSpec SMALL = new MlpSpec(new int[] { 3, 4 }, new int[] { 6, 5 }, 4, 0.1f, 7);

    @Test
    void writesTheTutorialSignatures() {
        try (TrainableModel model = TrainableModel.load(MlpModelWriter.write(MlpSpec.fashionMnist()), "fashion")) {
            assertThat(model.signatures()).extracting(Signature::key)
                .containsExactly("train", "infer", "save", "restore");
            Signature train = model.signature("train").orElseThrow();
            assertThat(train.inputs()).containsExactly(new TensorSpec("x", DataType.FLOAT32, new int[] { -1, 28, 28 }),
                    new TensorSpec("y", DataType.FLOAT32, new int[] { -1, 10 }));
            assertThat(train.outputs()).containsExactly(new TensorSpec("loss", DataType.FLOAT32, new int[0]));
            assertThat(model.signature("infer").orElseThrow().outputs()).extracting(TensorSpec::name)
                .containsExactlyInAnyOrder("output", "logits");
            assertThat(model.signature("save").orElseThrow().outputs()).containsExactlyInAnyOrder(
                    new TensorSpec("dense/kernel", DataType.FLOAT32, new int[] { 784, 128 }),
                    new TensorSpec("dense/bias", DataType.FLOAT32, new int[] { 128 }),
                    new TensorSpec("dense_1/kernel", DataType.FLOAT32, new int[] { 128, 10 }),
                    new TensorSpec("dense_1/bias", DataType.FLOAT32, new int[] { 10 }));
        }
    }

    @Test
    void writesEachRoleUnderTheKeyItIsGivenOrLeavesItOut() {
        Map<MlpModelWriter.Role, String> keys = MlpModelWriter.defaultSignatures();
        keys.put(MlpModelWriter.Role.SAVE, "parameters");
        Map<String, float[]> weights = MlpModelWriter.initialWeights(SMALL);
        try (TrainableModel model = TrainableModel.load(MlpModelWriter.write(SMALL, weights, keys), "flower-style")) {
            assertThat(model.signatures()).extracting(Signature::key)
                .containsExactly("train", "infer", "parameters", "restore");
            Checkpointer checkpointer = Checkpointer.of(model);
            assertThat(checkpointer.style()).isEqualTo(CheckpointStyle.TENSORS);
            assertThat(checkpointer.save().get("dense/bias").floats()).isEqualTo(weights.get("dense/bias"));
        }
        keys.remove(MlpModelWriter.Role.INFER);
        try (TrainableModel model = TrainableModel.load(MlpModelWriter.write(SMALL, weights, keys), "no-infer")) {
            assertThat(model.signatures()).extracting(Signature::key).containsExactly("train", "parameters", "restore");
        }
        assertThat(MlpModelWriter.write(SMALL, weights, MlpModelWriter.defaultSignatures()))
            .isEqualTo(MlpModelWriter.write(SMALL));
        keys.put(MlpModelWriter.Role.TRAIN, "parameters");
        assertThatThrownBy(() -> MlpModelWriter.write(SMALL, weights, keys)).hasMessageContaining("its own key");
        assertThatThrownBy(() -> MlpModelWriter.write(SMALL, weights, Map.of()))
            .hasMessageContaining("at least one signature");
    }

    @Test
    void sameSpecGivesIdenticalBytes() {
        assertThat(MlpModelWriter.write(SMALL)).isEqualTo(MlpModelWriter.write(SMALL));
        MlpSpec otherSeed = new MlpSpec(new int[] { 3, 4 }, new int[] { 6, 5 }, 4, 0.1f, 8);
        assertThat(MlpModelWriter.write(otherSeed)).isNotEqualTo(MlpModelWriter.write(SMALL));
    }

    @Test
    void initialWeightsAreGlorotUniformKernelsAndZeroBiases() {
        Map<String, float[]> weights = MlpModelWriter.initialWeights(MlpSpec.fashionMnist());
        double limit = Math.sqrt(6.0 / (784 + 128));
        float[] kernel = weights.get("dense/kernel");
        double mean = 0;
        for (float v : kernel) {
            assertThat(Math.abs(v)).isLessThanOrEqualTo((float) limit);
            mean += v;
        }
        assertThat(mean / kernel.length).isBetween(-0.01 * limit, 0.01 * limit);
        assertThat(weights.get("dense/bias")).containsOnly(0f);
        try (TrainableModel model = TrainableModel.load(MlpModelWriter.write(MlpSpec.fashionMnist()), "fashion")) {
            Map<String, Tensor> saved = model.run("save", Map.of());
            assertThat(saved.get("dense/kernel").floats()).containsExactly(kernel);
        }
    }

    /**
     * {@link #SMALL} with each head: 4 classes (one-hot or index targets), 1 sigmoid
     * output, 2 linear outputs.
     */
    private static MlpSpec small(Head head) {
        int width = switch (head) {
            case SOFTMAX, SPARSE_SOFTMAX -> 4;
            case SIGMOID -> 1;
            case LINEAR -> 2;
        };
        return new MlpSpec(SMALL.inputShape(), SMALL.hidden(), width, SMALL.learningRate(), SMALL.seed(), head);
    }

    /** Targets each head trains on: one-hot rows, probabilities in [0, 1], any values. */
    private static float[] targets(Head head, Random random, int batch, int width) {
        return switch (head) {
            case SOFTMAX -> oneHot(random, batch, width);
            case SPARSE_SOFTMAX -> {
                float[] y = new float[batch];
                for (int i = 0; i < batch; i++) {
                    y[i] = random.nextInt(width);
                }
                yield y;
            }
            case SIGMOID -> {
                float[] y = new float[batch];
                for (int i = 0; i < batch; i++) {
                    y[i] = i % 3 == 2 ? random.nextFloat() : i % 3;
                }
                yield y;
            }
            case LINEAR -> randomValues(random, batch * width);
        };
    }

    private static int[] targetShape(MlpSpec spec, int batch) {
        return spec.head() == Head.SPARSE_SOFTMAX ? new int[] { batch } : new int[] { batch, spec.classes() };
    }

    @ParameterizedTest
    @EnumSource(Head.class)
    void oneTrainStepMatchesTheReferenceImplementation(Head head) {
        MlpSpec spec = small(head);
        Random random = new Random(1);
        int batch = 5;
        Map<String, float[]> weights = randomWeights(spec, random);
        float[] x = randomValues(random, batch * 12);
        float[] y = targets(head, random, batch, spec.classes());
        try (TrainableModel model = TrainableModel.load(MlpModelWriter.write(spec, weights), "small")) {
            float loss = model.run("train", Map.of("x", Tensor.ofFloats(new int[] { batch, 3, 4 }, x), "y",
                    Tensor.ofFloats(targetShape(spec, batch), y)))
                .get("loss")
                .scalarFloat();
            ReferenceMlp reference = new ReferenceMlp(spec);
            assertThat((double) loss).isCloseTo(reference.loss(weights, x, y, batch),
                    org.assertj.core.data.Percentage.withPercentage(1e-2));
            Map<String, double[]> expected = reference.step(weights, x, y, batch);
            Map<String, Tensor> actual = model.run("save", Map.of());
            expected.forEach((name, values) -> assertClose(name, actual.get(name).floats(), values, weights.get(name)));
        }
    }

    @ParameterizedTest
    @EnumSource(Head.class)
    void gradientsMatchFiniteDifferencesOfTheLoss(Head head) {
        MlpSpec spec = small(head);
        Random random = new Random(2);
        int batch = 4;
        Map<String, float[]> weights = randomWeights(spec, random);
        float[] x = randomValues(random, batch * 12);
        float[] y = targets(head, random, batch, spec.classes());
        ReferenceMlp reference = new ReferenceMlp(spec);
        try (TrainableModel model = TrainableModel.load(MlpModelWriter.write(spec, weights), "small")) {
            model.run("train", Map.of("x", Tensor.ofFloats(new int[] { batch, 3, 4 }, x), "y",
                    Tensor.ofFloats(targetShape(spec, batch), y)));
            Map<String, Tensor> after = model.run("save", Map.of());
            for (String name : weights.keySet()) {
                float[] before = weights.get(name);
                float[] updated = after.get(name).floats();
                for (int i = 0; i < before.length; i++) {
                    double modelGradient = (before[i] - (double) updated[i]) / spec.learningRate();
                    double numeric = centralDifference(reference, weights, name, i, x, y, batch);
                    assertThat(modelGradient).as("%s[%d]", name, i)
                        .isCloseTo(numeric,
                                org.assertj.core.data.Offset.offset(1e-4 * Math.max(1, Math.abs(numeric)) + 2e-5));
                }
            }
        }
    }

    @Test
    void eachHeadInfersItsOwnKindOfOutput() {
        float[] x = randomValues(new Random(4), 2 * 12);
        Tensor batch = Tensor.ofFloats(new int[] { 2, 3, 4 }, x);
        try (TrainableModel sigmoid = TrainableModel.load(MlpModelWriter.write(small(Head.SIGMOID)), "sigmoid");
                TrainableModel linear = TrainableModel.load(MlpModelWriter.write(small(Head.LINEAR)), "linear")) {
            Map<String, Tensor> binary = sigmoid.run("infer", Map.of("x", batch));
            assertThat(binary.get("output").shape()).containsExactly(2, 1);
            for (int i = 0; i < 2; i++) {
                double logit = binary.get("logits").floats()[i];
                assertThat((double) binary.get("output").floats()[i]).isCloseTo(1 / (1 + Math.exp(-logit)),
                        org.assertj.core.data.Offset.offset(1e-6));
            }
            Map<String, Tensor> values = linear.run("infer", Map.of("x", batch));
            assertThat(values.keySet()).containsExactly("output");
            assertThat(values.get("output").shape()).containsExactly(2, 2);
        }
        assertThat(MlpModelWriter.write(SMALL)).isEqualTo(MlpModelWriter.write(small(Head.SOFTMAX)));
        assertThatThrownBy(() -> small(Head.SOFTMAX).withHead(Head.SIGMOID))
            .hasMessageContaining("a sigmoid head has exactly 1 output");
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "1", "-1" })
    void pathStyleModelsSaveAndRestoreThroughFlexOpsWithThePathShapeGiven(String shape) throws Exception {
        int[] pathShape = shape.isEmpty() ? new int[0] : new int[] { Integer.parseInt(shape) };
        Map<String, float[]> weights = MlpModelWriter.initialWeights(SMALL);
        byte[] bytes = MlpModelWriter.write(SMALL, weights, MlpModelWriter.defaultSignatures(),
                MlpModelWriter.Checkpoints.path(pathShape));
        java.nio.file.Path file = java.nio.file.Files.createTempDirectory("path-style").resolve("w.ckpt");
        Tensor x = Tensor.ofFloats(new int[] { 1, 3, 4 }, randomValues(new Random(5), 12));
        int[] fed = pathShape.length == 0 ? new int[0] : new int[] { 1 };
        try (TrainableModel model = TrainableModel.load(bytes, "path-style")) {
            Signature save = model.signature("save").orElseThrow();
            assertThat(save.inputs()).containsExactly(new TensorSpec("checkpoint_path", DataType.STRING, pathShape));
            assertThat(model.missingOps("save")).isEmpty();
            float[] before = model.run("infer", Map.of("x", x)).get("logits").floats();
            model.run("save", Map.of("checkpoint_path", Tensor.ofStrings(fed, new String[] { file.toString() })));
            assertThat(WeightsFile.decode(java.nio.file.Files.readAllBytes(file)).get("dense/kernel").floats())
                .containsExactly(weights.get("dense/kernel"));
            model.run("train", Map.of("x", x, "y", Tensor.ofFloats(new int[] { 1, 4 }, new float[] { 0, 1, 0, 0 })));
            assertThat(model.run("infer", Map.of("x", x)).get("logits").floats()).isNotEqualTo(before);
            Map<String, Tensor> restored = model.run("restore",
                    Map.of("checkpoint_path", Tensor.ofStrings(fed, new String[] { file.toString() })));
            assertThat(restored.get("dense_1/bias").floats()).containsExactly(weights.get("dense_1/bias"));
            assertThat(model.run("infer", Map.of("x", x)).get("logits").floats()).containsExactly(before);
        }
        assertThatThrownBy(() -> MlpModelWriter.Checkpoints.path(2)).hasMessageContaining("one string");
    }

    @Test
    void rejectsBadWeightsAndSpecs() {
        Map<String, float[]> weights = MlpModelWriter.initialWeights(SMALL);
        weights.put("dense/bias", new float[] { Float.NaN, 0, 0, 0, 0, 0 });
        assertThatThrownBy(() -> MlpModelWriter.write(SMALL, weights)).hasMessageContaining("not finite");
        weights.put("dense/bias", new float[2]);
        assertThatThrownBy(() -> MlpModelWriter.write(SMALL, weights)).hasMessageContaining("dense/bias");
        assertThatThrownBy(() -> new MlpSpec(new int[] { 0 }, new int[0], 10, 0.01f, 1))
            .hasMessageContaining("input shape");
        assertThatThrownBy(() -> new MlpSpec(new int[] { 4 }, new int[0], 1, 0.01f, 1)).hasMessageContaining("classes");
        assertThatThrownBy(() -> new MlpSpec(new int[] { 4 }, new int[0], 3, Float.NaN, 1))
            .hasMessageContaining("learning rate");
    }

    @Test
    void aModelWithoutHiddenLayersIsSoftmaxRegression() {
        MlpSpec linear = new MlpSpec(new int[] { 5 }, new int[0], 3, 0.5f, 3);
        Random random = new Random(3);
        Map<String, float[]> weights = randomWeights(linear, random);
        float[] x = randomValues(random, 2 * 5);
        float[] y = oneHot(random, 2, 3);
        try (TrainableModel model = TrainableModel.load(MlpModelWriter.write(linear, weights), "linear")) {
            assertThat(model.signature("save").orElseThrow().outputs()).hasSize(2);
            model.run("train",
                    Map.of("x", Tensor.ofFloats(new int[] { 2, 5 }, x), "y", Tensor.ofFloats(new int[] { 2, 3 }, y)));
            Map<String, double[]> expected = new ReferenceMlp(linear).step(weights, x, y, 2);
            Map<String, Tensor> actual = model.run("save", Map.of());
            expected.forEach((name, values) -> assertClose(name, actual.get(name).floats(), values, weights.get(name)));
        }
    }

    /** Compares the change of each weight (a gradient step) within a relative 1e-4. */
    private static void assertClose(String name, float[] actual, double[] expected, float[] before) {
        for (int i = 0; i < expected.length; i++) {
            double expectedStep = expected[i] - before[i];
            double actualStep = actual[i] - (double) before[i];
            assertThat(actualStep).as("%s[%d] step", name, i)
                .isCloseTo(expectedStep, org.assertj.core.data.Offset.offset(1e-4 * Math.abs(expectedStep) + 1e-7));
        }
    }

    private static double centralDifference(ReferenceMlp reference, Map<String, float[]> weights, String name,
            int index, float[] x, float[] y, int batch) {
        float h = 1e-3f;
        Map<String, float[]> plus = copy(weights);
        Map<String, float[]> minus = copy(weights);
        plus.get(name)[index] += h;
        minus.get(name)[index] -= h;
        double actualH = ((double) plus.get(name)[index] - minus.get(name)[index]) / 2;
        return (reference.loss(plus, x, y, batch) - reference.loss(minus, x, y, batch)) / (2 * actualH);
    }

    private static Map<String, float[]> copy(Map<String, float[]> weights) {
        Map<String, float[]> copy = new LinkedHashMap<>();
        weights.forEach((k, v) -> copy.put(k, v.clone()));
        return copy;
    }

    static Map<String, float[]> randomWeights(MlpSpec spec, Random random) {
        Map<String, float[]> weights = new LinkedHashMap<>();
        for (MlpSpec.Variable variable : spec.variables()) {
            weights.put(variable.name(), randomValues(random, variable.size()));
        }
        return weights;
    }

    static float[] randomValues(Random random, int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian() * 0.7f;
        }
        return values;
    }

    static float[] oneHot(Random random, int batch, int classes) {
        float[] y = new float[batch * classes];
        for (int b = 0; b < batch; b++) {
            y[b * classes + random.nextInt(classes)] = 1;
        }
        return y;
    }

}
