package dev.edgetrainer.model.checkpoint;

import java.util.HashMap;
import java.util.Map;

import dev.edgetrainer.model.graph.MlpModelWriter;
import dev.edgetrainer.model.graph.MlpSpec;
import dev.edgetrainer.model.runtime.InvalidInputException;
import dev.edgetrainer.model.runtime.ModelException;
import dev.edgetrainer.model.runtime.SharedModels;
import dev.edgetrainer.model.runtime.TrainableModel;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.WeightsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CheckpointerTests {

    private static final MlpSpec SPEC = new MlpSpec(new int[] { 6 }, new int[] { 4 }, 3, 0.5f, 2);

    @Test
    void writtenModelsCheckpointAsTensorsAndRoundTripThroughAFreshInterpreter() {
        byte[] bytes = MlpModelWriter.write(SPEC);
        Map<String, Tensor> trained;
        float[] logits;
        Tensor x = Tensor.ofFloats(new int[] { 2, 6 }, new float[] { 1, 2, 3, 4, 5, 6, 6, 5, 4, 3, 2, 1 });
        try (TrainableModel model = TrainableModel.load(bytes, "a")) {
            Checkpointer checkpointer = Checkpointer.of(model);
            assertThat(checkpointer.style()).isEqualTo(CheckpointStyle.TENSORS);
            for (int i = 0; i < 5; i++) {
                model.run("train",
                        Map.of("x", x, "y", Tensor.ofFloats(new int[] { 2, 3 }, new float[] { 1, 0, 0, 0, 0, 1 })));
            }
            trained = checkpointer.save();
            logits = model.run("infer", Map.of("x", x)).get("logits").floats();
        }
        byte[] file = WeightsFile.encode(trained);
        try (TrainableModel fresh = TrainableModel.load(bytes, "b")) {
            assertThat(fresh.run("infer", Map.of("x", x)).get("logits").floats()).isNotEqualTo(logits);
            Checkpointer.of(fresh).restore(WeightsFile.decode(file));
            assertThat(fresh.run("infer", Map.of("x", x)).get("logits").floats()).containsExactly(logits);
        }
    }

    @Test
    void restoreRejectsWeightsThatDoNotFitAndLeavesTheModelUnchanged() {
        try (TrainableModel model = TrainableModel.load(MlpModelWriter.write(SPEC), "a")) {
            Checkpointer checkpointer = Checkpointer.of(model);
            Map<String, Tensor> good = checkpointer.save();

            Map<String, Tensor> wrongShape = new HashMap<>(good);
            wrongShape.put("dense/kernel", Tensor.ofFloats(new int[] { 4, 6 }, new float[24]));
            assertRejected(checkpointer, wrongShape, "dense/kernel");

            Map<String, Tensor> missing = new HashMap<>(good);
            missing.remove("dense_1/bias");
            assertRejected(checkpointer, missing, "dense_1/bias");

            Map<String, Tensor> extra = new HashMap<>(good);
            extra.put("dense_9/bias", Tensor.ofFloats(new int[] { 3 }, new float[3]));
            assertRejected(checkpointer, extra, "dense_9/bias");

            Map<String, Tensor> notFinite = new HashMap<>(good);
            float[] bias = new float[3];
            bias[1] = Float.NaN;
            notFinite.put("dense_1/bias", Tensor.ofFloats(new int[] { 3 }, bias));
            assertRejected(checkpointer, notFinite, "dense_1/bias");

            Map<String, Tensor> wrongType = new HashMap<>(good);
            wrongType.put("dense_1/bias", Tensor.ofInts(new int[] { 3 }, new int[3]));
            assertRejected(checkpointer, wrongType, "dense_1/bias");

            Map<String, Tensor> after = checkpointer.save();
            good.forEach((name, tensor) -> assertThat(after.get(name).floats()).containsExactly(tensor.floats()));
        }
    }

    @Test
    void recognisesTheCheckpointStylesOfConverterMadeModels() throws Exception {
        try (TrainableModel linear = TrainableModel.load(SharedModels.require("linear-builtin.tflite"))) {
            Checkpointer checkpointer = Checkpointer.of(linear);
            assertThat(checkpointer.style()).isEqualTo(CheckpointStyle.TENSORS);
            assertThat(checkpointer.weightSpecs()).extracting(s -> s.name()).containsExactlyInAnyOrder("w", "b");
            Map<String, Tensor> weights = checkpointer.save();
            checkpointer.restore(weights);
        }
        try (TrainableModel flex = TrainableModel.load(SharedModels.require("tutorial-mnist-flex.tflite"))) {
            Checkpointer checkpointer = Checkpointer.of(flex);
            assertThat(checkpointer.style()).isEqualTo(CheckpointStyle.PATH);
            assertThatThrownBy(checkpointer::save).isInstanceOf(ModelException.class).hasMessageContaining("PATH");
            java.nio.file.Path file = java.nio.file.Files.createTempDirectory("ckpt").resolve("tutorial.ckpt");
            checkpointer.saveTo(file);
            assertThat(checkpointer.restoreFrom(file)).containsKeys("dense_1/kernel:0", "dense_2/bias:0");
        }
    }

    @Test
    void aPathStyleRestoreThatFailsHalfWayLeavesTheModelAsItWas() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("ckpt");
        try (TrainableModel flex = TrainableModel.load(SharedModels.require("tutorial-mnist-flex.tflite"))) {
            Checkpointer checkpointer = Checkpointer.of(flex);
            java.nio.file.Path good = dir.resolve("good.ckpt");
            checkpointer.saveTo(good);
            Map<String, Tensor> weights = WeightsFile.decode(java.nio.file.Files.readAllBytes(good));
            Tensor probe = Tensor.ofFloats(new int[] { 1, 28, 28 }, new float[784]);
            java.util.Arrays.fill(probe.floats(), 0.5f);
            float[] before = flex.run("infer", Map.of("x", probe)).get("logits").floats();
            // Each tensor in turn is the bad one, so some restores fail after others were
            // already assigned.
            for (String broken : weights.keySet()) {
                Map<String, Tensor> scaled = new java.util.LinkedHashMap<>();
                weights.forEach((name, tensor) -> {
                    float[] values = tensor.floats().clone();
                    for (int i = 0; i < values.length; i++) {
                        values[i] *= 3;
                    }
                    scaled.put(name, name.equals(broken) ? Tensor.ofFloats(new int[] { 7 }, new float[7])
                            : Tensor.ofFloats(tensor.shape(), values));
                });
                java.nio.file.Path bad = dir.resolve("bad.ckpt");
                java.nio.file.Files.write(bad, WeightsFile.encode(scaled));
                assertThatThrownBy(() -> checkpointer.restoreFrom(bad)).isInstanceOf(ModelException.class)
                    .hasMessageContaining(broken);
                assertThat(flex.run("infer", Map.of("x", probe)).get("logits").floats()).as(broken)
                    .containsExactly(before);
            }
            try (var left = java.nio.file.Files.list(dir)) {
                assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("good.ckpt",
                        "bad.ckpt");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "1", "-1" })
    void pathStyleCheckpointsPassThePathInTheShapeTheSignatureDeclares(String shape) throws Exception {
        int[] pathShape = shape.isEmpty() ? new int[0] : new int[] { Integer.parseInt(shape) };
        byte[] bytes = MlpModelWriter.write(SPEC, MlpModelWriter.initialWeights(SPEC),
                MlpModelWriter.defaultSignatures(), MlpModelWriter.Checkpoints.path(pathShape));
        java.nio.file.Path file = java.nio.file.Files.createTempDirectory("ckpt").resolve("w.ckpt");
        Tensor x = Tensor.ofFloats(new int[] { 1, 6 }, new float[] { 1, 2, 3, 4, 5, 6 });
        try (TrainableModel model = TrainableModel.load(bytes, "path " + shape)) {
            Checkpointer checkpointer = Checkpointer.of(model);
            assertThat(checkpointer.style()).isEqualTo(CheckpointStyle.PATH);
            assertThat(checkpointer.pathSpec().shape()).containsExactly(pathShape);
            float[] saved = model.run("infer", Map.of("x", x)).get("logits").floats();
            checkpointer.saveTo(file);
            model.run("train", Map.of("x", x, "y", Tensor.ofFloats(new int[] { 1, 3 }, new float[] { 0, 0, 1 })));
            assertThat(model.run("infer", Map.of("x", x)).get("logits").floats()).isNotEqualTo(saved);
            assertThat(checkpointer.restoreFrom(file)).containsKeys("dense/kernel", "dense_1/bias");
            assertThat(model.run("infer", Map.of("x", x)).get("logits").floats()).containsExactly(saved);
        }
    }

    @Test
    void aPairNamedByTheCallerIsUsedWhateverItsKeys() {
        Map<MlpModelWriter.Role, String> keys = MlpModelWriter.defaultSignatures();
        keys.put(MlpModelWriter.Role.SAVE, "weights_out");
        keys.put(MlpModelWriter.Role.RESTORE, "weights_in");
        try (TrainableModel model = TrainableModel
            .load(MlpModelWriter.write(SPEC, MlpModelWriter.initialWeights(SPEC), keys), "renamed")) {
            assertThat(Checkpointer.of(model).style()).isEqualTo(CheckpointStyle.NONE);
            Checkpointer named = Checkpointer.of(model, "weights_out", "weights_in");
            assertThat(named.style()).isEqualTo(CheckpointStyle.TENSORS);
            assertThat(named.saveKey()).isEqualTo("weights_out");
            named.restore(named.save());
            assertThat(Checkpointer.of(model, "train", "infer").style()).isEqualTo(CheckpointStyle.NONE);
            assertThatThrownBy(() -> Checkpointer.of(model, "nope", "weights_in"))
                .hasMessageContaining("no signature 'nope'");
        }
    }

    @Test
    void aPathStyleModelChecksAFilesTensorsAgainstWhatItsRestoreReads() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("ckpt");
        try (TrainableModel flex = TrainableModel.load(SharedModels.require("tutorial-mnist-flex.tflite"))) {
            Checkpointer checkpointer = Checkpointer.of(flex);
            java.nio.file.Path file = dir.resolve("own.ckpt");
            checkpointer.saveTo(file);
            Map<String, Tensor> own = WeightsFile.decode(java.nio.file.Files.readAllBytes(file));

            checkpointer.check(own);
            assertThat(checkpointer.weightSpecs()).extracting(s -> s.name())
                .containsExactlyInAnyOrderElementsOf(own.keySet());
            Map<String, Tensor> wrong = new java.util.LinkedHashMap<>(own);
            wrong.put("dense_2/kernel:0", Tensor.ofFloats(new int[] { 12, 10 }, new float[120]));
            assertThatThrownBy(() -> checkpointer.check(wrong)).isInstanceOfSatisfying(InvalidInputException.class,
                    e -> assertThat(e.field()).isEqualTo("dense_2/kernel:0"));
            Map<String, Tensor> extra = new java.util.LinkedHashMap<>(own);
            extra.put("dense_3/bias:0", Tensor.ofFloats(new int[] { 10 }, new float[10]));
            assertThatThrownBy(() -> checkpointer.check(extra)).isInstanceOfSatisfying(InvalidInputException.class,
                    e -> assertThat(e.field()).isEqualTo("dense_3/bias:0"));
        }
    }

    @Test
    void modelsWithoutSaveAndRestoreHaveNoCheckpointStyle() {
        byte[] bytes = MlpModelWriter.write(SPEC);
        org.tensorflow.lite.schema.ModelT model = org.tensorflow.lite.schema.ModelT.deserializeFromBinary(bytes);
        model.setSignatureDefs(java.util.Arrays.copyOf(model.getSignatureDefs(), 2));
        try (TrainableModel loaded = TrainableModel.load(model.serializeToBinary(), "no-save")) {
            assertThat(Checkpointer.of(loaded).style()).isEqualTo(CheckpointStyle.NONE);
        }
    }

    private static void assertRejected(Checkpointer checkpointer, Map<String, Tensor> weights, String field) {
        assertThatThrownBy(() -> checkpointer.restore(weights)).isInstanceOfSatisfying(InvalidInputException.class,
                e -> assertThat(e.field()).isEqualTo(field));
    }

}
