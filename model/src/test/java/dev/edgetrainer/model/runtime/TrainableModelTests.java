package dev.edgetrainer.model.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import dev.edgetrainer.model.graph.MlpModelWriter;
import dev.edgetrainer.model.graph.MlpSpec;
import dev.edgetrainer.model.tensor.DataType;
import dev.edgetrainer.model.tensor.Signature;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.TensorSpec;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainableModelTests {

    private static final MlpSpec SPEC = new MlpSpec(new int[] { 28, 28 }, new int[] { 16 }, 10, 0.01f, 5);

    @Test
    void tutorialFlexModelTrainsSavesAndRestoresThroughTheJavaFlexKernels() throws Exception {
        Path path = SharedModels.require("tutorial-mnist-flex.tflite");
        Path checkpoint = Files.createTempDirectory("flex").resolve("tutorial.ckpt");
        Tensor probe = randomImages(4);
        float[] logits;
        try (TrainableModel model = TrainableModel.load(path)) {
            assertThat(model.signatures()).extracting(Signature::key)
                .containsExactlyInAnyOrder("train", "infer", "save", "restore");
            assertThat(model.signature("train").orElseThrow().inputs()).containsExactlyInAnyOrder(
                    new TensorSpec("x", DataType.FLOAT32, new int[] { -1, 28, 28 }),
                    new TensorSpec("y", DataType.FLOAT32, new int[] { -1, 10 }));
            assertThat(model.signature("save").orElseThrow().inputs())
                .containsExactly(new TensorSpec("checkpoint_path", DataType.STRING, new int[0]));
            assertThat(model.missingOps()).isEmpty();

            Tensor y = Tensor.ofFloats(new int[] { 4, 10 }, new float[] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
                    0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0 });
            float first = model.run("train", Map.of("x", probe, "y", y)).get("loss").scalarFloat();
            float last = first;
            for (int step = 0; step < 30; step++) {
                last = model.run("train", Map.of("x", probe, "y", y)).get("loss").scalarFloat();
            }
            assertThat(last).isLessThan(first / 2);
            logits = model.run("infer", Map.of("x", probe)).get("logits").floats();
            Map<String, Tensor> saved = model.run("save",
                    Map.of("checkpoint_path", Tensor.ofString(checkpoint.toString())));
            assertThat(saved.get("checkpoint_path").strings()).containsExactly(checkpoint.toString());
        }
        try (TrainableModel fresh = TrainableModel.load(path)) {
            assertThat(fresh.run("infer", Map.of("x", probe)).get("logits").floats()).isNotEqualTo(logits);
            Map<String, Tensor> restored = fresh.run("restore",
                    Map.of("checkpoint_path", Tensor.ofString(checkpoint.toString())));
            assertThat(restored.get("dense_1/kernel:0").shape()).containsExactly(784, 128);
            assertThat(fresh.run("infer", Map.of("x", probe)).get("logits").floats()).containsExactly(logits);
        }
    }

    @Test
    void tutorialFlexModelRefusesACheckpointOfTheWrongShape() throws Exception {
        Path path = SharedModels.require("tutorial-mnist-flex.tflite");
        Path checkpoint = Files.createTempDirectory("flex").resolve("wrong.ckpt");
        Map<String, Tensor> wrong = new java.util.LinkedHashMap<>();
        wrong.put("dense_1/kernel:0", Tensor.ofFloats(new int[] { 10, 10 }, new float[100]));
        wrong.put("dense_1/bias:0", Tensor.ofFloats(new int[] { 128 }, new float[128]));
        wrong.put("dense_2/kernel:0", Tensor.ofFloats(new int[] { 128, 10 }, new float[1280]));
        wrong.put("dense_2/bias:0", Tensor.ofFloats(new int[] { 10 }, new float[10]));
        Files.write(checkpoint, dev.edgetrainer.model.tensor.WeightsFile.encode(wrong));
        try (TrainableModel model = TrainableModel.load(path)) {
            Tensor probe = randomImages(2);
            float[] before = model.run("infer", Map.of("x", probe)).get("logits").floats();
            assertThatThrownBy(
                    () -> model.run("restore", Map.of("checkpoint_path", Tensor.ofString(checkpoint.toString()))))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("has shape [10, 10] in the checkpoint");
            assertThat(model.run("infer", Map.of("x", probe)).get("logits").floats()).containsExactly(before);
        }
    }

    @Test
    void linearBuiltinModelTrainsAndRoundTripsItsWeights() {
        Path path = SharedModels.require("linear-builtin.tflite");
        try (TrainableModel model = TrainableModel.load(path)) {
            Map<String, Tensor> initial = model.run("get_weights", Map.of());
            assertThat(initial.keySet()).containsExactlyInAnyOrder("w", "b");
            float first = 0;
            float last = 0;
            for (int step = 0; step < 200; step++) {
                float x = (step % 10) / 10f;
                float loss = model
                    .run("train",
                            Map.of("x", Tensor.ofFloats(new int[] { 1, 1 }, new float[] { x }), "y",
                                    Tensor.ofFloats(new int[] { 1, 1 }, new float[] { 3 * x + 1 })))
                    .get("loss")
                    .scalarFloat();
                if (step < 10) {
                    first += loss;
                }
                else if (step >= 190) {
                    last += loss;
                }
            }
            assertThat(last).isLessThan(first / 2);
            Map<String, Tensor> trained = model.run("get_weights", Map.of());
            assertThat(trained.get("w").floats()[0]).isNotEqualTo(initial.get("w").floats()[0]);

            model.run("set_weights", Map.of("w", Tensor.ofFloats(new int[] { 1, 1 }, new float[] { 2.5f }), "b",
                    Tensor.ofFloats(new int[] { 1 }, new float[] { -0.5f })));
            Map<String, Tensor> restored = model.run("get_weights", Map.of());
            assertThat(restored.get("w").floats()).containsExactly(2.5f);
            assertThat(restored.get("b").floats()).containsExactly(-0.5f);
            float y = model.run("infer", Map.of("x", Tensor.ofFloats(new int[] { 1, 1 }, new float[] { 2f })))
                .get("output")
                .floats()[0];
            assertThat(y).isEqualTo(4.5f);
        }
    }

    @Test
    void dynamicBatchSizesResizeTheInputs() {
        try (TrainableModel model = TrainableModel.load(MlpModelWriter.write(SPEC), "spec")) {
            for (int batch : new int[] { 1, 7, 100, 3 }) {
                Map<String, Tensor> out = model.run("infer", Map.of("x", randomImages(batch)));
                assertThat(out.get("logits").shape()).containsExactly(batch, 10);
            }
        }
    }

    @Test
    void outputsCanBeCopiedIntoTheArraysOfAnEarlierResult() {
        try (TrainableModel model = TrainableModel.load(MlpModelWriter.write(SPEC), "spec")) {
            Map<String, Tensor> first = model.run("infer", Map.of("x", randomImages(3)));
            Map<String, Tensor> second = model.run("infer", Map.of("x", randomImages(2)), first);
            Map<String, Tensor> third = model.run("infer", Map.of("x", randomImages(3)), first);
            assertThat(second.get("logits")).isNotSameAs(first.get("logits"));
            assertThat(third.get("logits")).isSameAs(first.get("logits"));
            assertThat(third.get("logits").floats())
                .containsExactly(model.run("infer", Map.of("x", randomImages(3))).get("logits").floats());
        }
    }

    @Test
    void inputsAreCheckedBeforeAnythingRuns() {
        try (TrainableModel model = TrainableModel.load(MlpModelWriter.write(SPEC), "spec")) {
            Map<String, Tensor> before = model.run("save", Map.of());
            Tensor y = Tensor.ofFloats(new int[] { 1, 10 }, new float[10]);
            assertInvalid(
                    () -> model.run("train",
                            Map.of("x", Tensor.ofFloats(new int[] { 1, 28, 27 }, new float[28 * 27]), "y", y)),
                    "x", "shape");
            assertInvalid(
                    () -> model.run("train", Map.of("x", Tensor.ofInts(new int[] { 1, 28, 28 }, new int[784]), "y", y)),
                    "x", "float32");
            assertInvalid(() -> model.run("train", Map.of("x", randomImages(1))), "y", "needs input");
            assertInvalid(() -> model.run("train", Map.of("x", randomImages(1), "y", y, "z", y)), "z", "no input");
            assertInvalid(() -> model.run("infer", Map.of("x", Tensor.ofFloats(new int[] { 0, 28, 28 }, new float[0]))),
                    "x", "shape");
            assertInvalid(() -> model.run("nope", Map.of()), "signature", "no signature");
            assertThat(model.run("save", Map.of()).get("dense/kernel").floats())
                .containsExactly(before.get("dense/kernel").floats());
        }
    }

    @Test
    void malformedModelsAreRejectedWithoutACrash() throws Exception {
        byte[] good = MlpModelWriter.write(SPEC);
        assertThatThrownBy(() -> TrainableModel.load(Arrays.copyOf(good, good.length / 2), "half.tflite"))
            .isInstanceOf(ModelException.class)
            .hasMessageStartingWith("half.tflite is not a valid TensorFlow Lite model: ")
            .hasMessageContaining("Flatbuffer");
        byte[] random = new byte[4096];
        new Random(9).nextBytes(random);
        assertThatThrownBy(() -> TrainableModel.load(random, "random")).isInstanceOf(ModelException.class);
        assertThatThrownBy(() -> TrainableModel.load(new byte[0], "empty")).isInstanceOf(ModelException.class);
        assertThatThrownBy(() -> TrainableModel.load(Path.of("/nonexistent/model.tflite")))
            .isInstanceOf(ModelException.class)
            .hasMessageContaining("cannot read");
    }

    @Test
    void randomByteFlipsNeverCrashTheProcess() {
        byte[] good = MlpModelWriter.write(new MlpSpec(new int[] { 4 }, new int[] { 3 }, 2, 0.1f, 1));
        Random random = new Random(11);
        int loaded = 0;
        for (int trial = 0; trial < 300; trial++) {
            byte[] bytes = good.clone();
            for (int flips = 0; flips < 3; flips++) {
                bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
            }
            try (TrainableModel model = TrainableModel.load(bytes, "flipped")) {
                loaded++;
                for (Signature signature : model.signatures()) {
                    try {
                        model.run(signature.key(), zeros(signature));
                    }
                    catch (ModelException expected) {
                        // a clear failure is fine; a crash is not
                    }
                }
            }
            catch (ModelException expected) {
                // rejected before the interpreter saw it
            }
        }
        assertThat(loaded).isPositive();
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseIsAnException() {
        TrainableModel model = TrainableModel.load(MlpModelWriter.write(SPEC), "spec");
        model.close();
        model.close();
        assertThat(model.isClosed()).isTrue();
        assertThatThrownBy(() -> model.run("infer", Map.of("x", randomImages(1))))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("closed");
        assertThatThrownBy(model::signatures).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void reportsTheRuntimeVersion() {
        assertThat(TrainableModel.runtimeVersion()).startsWith("2.19");
    }

    private static Map<String, Tensor> zeros(Signature signature) {
        Map<String, Tensor> inputs = new java.util.HashMap<>();
        for (TensorSpec spec : signature.inputs()) {
            int[] shape = spec.shape();
            for (int i = 0; i < shape.length; i++) {
                shape[i] = Math.max(1, shape[i]);
            }
            int n = (int) Tensor.elementCount(shape);
            switch (spec.type()) {
                case FLOAT32 -> inputs.put(spec.name(), Tensor.ofFloats(shape, new float[n]));
                case INT32 -> inputs.put(spec.name(), Tensor.ofInts(shape, new int[n]));
                default -> {
                    return Map.of();
                }
            }
        }
        return inputs;
    }

    private static void assertInvalid(Runnable call, String field, String message) {
        assertThatThrownBy(call::run)
            .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo(field))
            .hasMessageContaining(message);
    }

    static Tensor randomImages(int batch) {
        Random random = new Random(batch);
        float[] data = new float[batch * 784];
        for (int i = 0; i < data.length; i++) {
            data[i] = random.nextFloat();
        }
        return Tensor.ofFloats(new int[] { batch, 28, 28 }, data);
    }

}
