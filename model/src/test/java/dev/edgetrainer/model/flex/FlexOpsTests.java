package dev.edgetrainer.model.flex;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.edgetrainer.model.runtime.ModelException;
import dev.edgetrainer.model.runtime.TrainableModel;
import dev.edgetrainer.model.runtime.UnsupportedOpsException;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.WeightsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.lite.schema.TensorType;

import static dev.edgetrainer.model.flex.FlexOpModels.Io;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Each Java Flex kernel inside a one-op model, run by the real interpreter, against
 * hand-computed values.
 */
class FlexOpsTests {

    private static final int DT_FLOAT = 1;

    private static final int DT_DOUBLE = 2;

    private static final int DT_INT32 = 3;

    private static final int DT_INT64 = 9;

    private static final byte F32 = TensorType.FLOAT32;

    @TempDir
    Path dir;

    @Test
    void reluGradPassesGradientsWhereFeaturesArePositive() {
        byte[] model = twoInOneOut("ReluGrad", "gradients", "features", DT_FLOAT);
        Map<String, Tensor> out = run(model, Map.of("gradients", floats(new int[] { 2, 3 }, 1, 2, 3, 4, 5, 6),
                "features", floats(new int[] { 2, 3 }, -1, 0, 2, 3, -4, 0.5f)));
        assertThat(out.get("output").floats()).containsExactly(0, 0, 3, 4, 0, 6);
        assertThat(out.get("output").shape()).containsExactly(2, 3);
    }

    @Test
    void reluGradRejectsMismatchedShapesAndOtherDtypes() {
        assertFails(
                twoInOneOut("ReluGrad", "gradients", "features", DT_FLOAT), Map.of("gradients",
                        floats(new int[] { 2, 3 }, new float[6]), "features", floats(new int[] { 3, 2 }, new float[6])),
                "must have the same shape");
        assertFails(twoInOneOut("ReluGrad", "gradients", "features", DT_DOUBLE, -1),
                Map.of("gradients", floats(new int[] { 1 }, 1), "features", floats(new int[] { 1 }, 1)),
                "only float32");
    }

    @Test
    void sigmoidAndTanhGradients() {
        assertThat(run(twoInOneOut("SigmoidGrad", "y", "dy", DT_FLOAT, -1),
                Map.of("y", floats(new int[] { 2 }, 0.5f, 0.2f), "dy", floats(new int[] { 2 }, 1, 2)))
            .get("output")
            .floats()).containsExactly(new float[] { 0.25f, 0.32f }, within(1e-6f));
        assertThat(run(twoInOneOut("TanhGrad", "y", "dy", DT_FLOAT, -1),
                Map.of("y", floats(new int[] { 2 }, 0.5f, -1), "dy", floats(new int[] { 2 }, 2, 3)))
            .get("output")
            .floats()).containsExactly(new float[] { 1.5f, 0f }, within(1e-6f));
    }

    @Test
    void softmaxCrossEntropyWithDenseLabelsBroadcasts() {
        byte[] model = xent("SoftmaxCrossEntropyWithLogits", F32, Map.of("T", DT_FLOAT));
        Map<String, Tensor> out = run(model, Map.of("features", floats(new int[] { 2, 3 }, 1, 2, 3, 1, 1, 1), "labels",
                floats(new int[] { 1, 3 }, 0, 0, 1)));
        assertThat(out.get("loss").floats()).containsExactly(new float[] { 0.40761f, 1.09861f }, within(1e-4f));
        assertThat(out.get("backprop").floats())
            .containsExactly(new float[] { 0.09003f, 0.24473f, -0.33476f, 1 / 3f, 1 / 3f, 1 / 3f - 1 }, within(1e-4f));
        assertFails(model, Map.of("features", floats(new int[] { 2, 3 }, new float[6]), "labels",
                floats(new int[] { 2, 4 }, new float[8])), "Incompatible shapes");
        byte[] vectors = FlexOpModels.model("SoftmaxCrossEntropyWithLogits", Map.of("T", DT_FLOAT),
                List.of(new Io("features", F32, -1), new Io("labels", F32, -1)),
                List.of(new Io("loss", F32, -1), new Io("backprop", F32, -1, -1)));
        assertFails(vectors, Map.of("features", floats(new int[] { 3 }, new float[3]), "labels",
                floats(new int[] { 3 }, new float[3])), "2-dimensional");
    }

    @Test
    void sparseSoftmaxCrossEntropyTakesClassIndices() {
        Map<String, Tensor> inputs = Map.of("features", floats(new int[] { 2, 3 }, 1, 2, 3, 1, 1, 1), "labels",
                Tensor.ofInts(new int[] { 2 }, new int[] { 2, 0 }));
        byte[] int32 = xent("SparseSoftmaxCrossEntropyWithLogits", TensorType.INT32,
                Map.of("T", DT_FLOAT, "Tlabels", DT_INT32));
        Map<String, Tensor> out = run(int32, inputs);
        assertThat(out.get("loss").floats()).containsExactly(new float[] { 0.40761f, 1.09861f }, within(1e-4f));
        assertThat(out.get("backprop").floats())
            .containsExactly(new float[] { 0.09003f, 0.24473f, -0.33476f, 1 / 3f - 1, 1 / 3f, 1 / 3f }, within(1e-4f));

        byte[] int64 = xent("SparseSoftmaxCrossEntropyWithLogits", TensorType.INT64,
                Map.of("T", DT_FLOAT, "Tlabels", DT_INT64));
        assertThat(run(int64,
                Map.of("features", inputs.get("features"), "labels",
                        Tensor.ofLongs(new int[] { 2 }, new long[] { 2, 0 })))
            .get("loss")
            .floats()).containsExactly(new float[] { 0.40761f, 1.09861f }, within(1e-4f));

        assertFails(int32, Map.of("features", inputs.get("features"), "labels",
                Tensor.ofInts(new int[] { 2 }, new int[] { 3, 0 })), "outside the valid range of [0, 3)");
        assertFails(int32, Map.of("features", inputs.get("features"), "labels",
                Tensor.ofInts(new int[] { 2 }, new int[] { -1, 0 })), "label value of -1");
        assertFails(int32, Map.of("features", inputs.get("features"), "labels",
                Tensor.ofInts(new int[] { 3 }, new int[] { 0, 0, 0 })), "same first dimension");
    }

    @Test
    void broadcastGradientArgsGivesTheReductionAxes() {
        byte[] model = FlexOpModels.model("BroadcastGradientArgs", Map.of("T", DT_INT32),
                List.of(new Io("s0", TensorType.INT32, -1), new Io("s1", TensorType.INT32, -1)),
                List.of(new Io("r0", TensorType.INT32, -1), new Io("r1", TensorType.INT32, -1)));
        assertAxes(model, new int[] { 2, 3, 5 }, new int[] { 1 }, new int[0], new int[] { 0, 1, 2 });
        assertAxes(model, new int[] { 4, 1, 5 }, new int[] { 3, 1 }, new int[] { 1 }, new int[] { 0, 2 });
        assertAxes(model, new int[] { 1 }, new int[] { 1 }, new int[] { 0 }, new int[] { 0 });
        assertAxes(model, new int[] { 2, 3 }, new int[] { 2, 3 }, new int[0], new int[0]);
        assertFails(model, Map.of("s0", ints(2, 3), "s1", ints(4)), "Incompatible shapes");

        byte[] int64 = FlexOpModels.model("BroadcastGradientArgs", Map.of("T", DT_INT64),
                List.of(new Io("s0", TensorType.INT64, -1), new Io("s1", TensorType.INT64, -1)),
                List.of(new Io("r0", TensorType.INT64, -1), new Io("r1", TensorType.INT64, -1)));
        Map<String, Tensor> out = run(int64, Map.of("s0", Tensor.ofLongs(new int[] { 2 }, new long[] { 1, 7 }), "s1",
                Tensor.ofLongs(new int[] { 1 }, new long[] { 7 })));
        assertThat(out.get("r0").longs()).containsExactly(0);
        assertThat(out.get("r1").longs()).containsExactly(0);
    }

    @Test
    void saveWritesAChecksummedFileThatRestoreReadsBack() throws Exception {
        Path file = dir.resolve("model.ckpt");
        byte[] save = FlexOpModels.model("Save", Map.of("T", new int[] { DT_FLOAT, DT_INT32 }),
                List.of(new Io("filename", TensorType.STRING), new Io("tensor_names", TensorType.STRING, 2),
                        new Io("a", F32, 2, 2), new Io("b", TensorType.INT32, 3)),
                List.of());
        run(save, Map.of("filename", Tensor.ofString(file.toString()), "tensor_names",
                Tensor.ofStrings(new int[] { 2 }, new String[] { "dense/kernel", "step" }), "a",
                floats(new int[] { 2, 2 }, 1, 2, 3, 4), "b", Tensor.ofInts(new int[] { 3 }, new int[] { 7, 8, 9 })));
        Map<String, Tensor> saved = WeightsFile.decode(Files.readAllBytes(file));
        assertThat(saved.get("dense/kernel").floats()).containsExactly(1, 2, 3, 4);
        assertThat(saved.get("step").ints()).containsExactly(7, 8, 9);

        byte[] restore = restoreModel(DT_FLOAT, F32, -1, -1);
        Tensor restored = run(restore, Map.of("file_pattern", Tensor.ofString(file.toString()), "tensor_name",
                Tensor.ofString("dense/kernel")))
            .get("tensor");
        assertThat(restored.shape()).containsExactly(2, 2);
        assertThat(restored.floats()).containsExactly(1, 2, 3, 4);

        assertFails(restore,
                Map.of("file_pattern", Tensor.ofString(file.toString()), "tensor_name", Tensor.ofString("nope")),
                "tensor 'nope' is not in the checkpoint");
        assertFails(restoreModel(DT_INT32, TensorType.INT32, -1), Map.of("file_pattern",
                Tensor.ofString(file.toString()), "tensor_name", Tensor.ofString("dense/kernel")), "float32");
        // A declared shape that does not match would corrupt the variable the value is
        // assigned to.
        assertFails(restoreModel(DT_FLOAT, F32, 3, 3), Map.of("file_pattern", Tensor.ofString(file.toString()),
                "tensor_name", Tensor.ofString("dense/kernel")), "the model expects [3, 3]");
        assertFails(restore, Map.of("file_pattern", Tensor.ofString(dir.resolve("missing").toString()), "tensor_name",
                Tensor.ofString("a")), "does not exist");

        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 1;
        Path corrupt = dir.resolve("corrupt.ckpt");
        Files.write(corrupt, bytes);
        assertFails(restore, Map.of("file_pattern", Tensor.ofString(corrupt.toString()), "tensor_name",
                Tensor.ofString("dense/kernel")), "corrupt");
    }

    @Test
    void saveV2AndRestoreV2RoundTripAndRefuseSlices() {
        Path prefix = dir.resolve("ckpt");
        byte[] save = FlexOpModels.model("SaveV2", Map.of("dtypes", new int[] { DT_FLOAT, DT_INT64 }),
                List.of(new Io("prefix", TensorType.STRING), new Io("tensor_names", TensorType.STRING, 2),
                        new Io("shape_and_slices", TensorType.STRING, 2), new Io("w", F32, 3),
                        new Io("n", TensorType.INT64)),
                List.of());
        Map<String, Tensor> inputs = Map.of("prefix", Tensor.ofString(prefix.toString()), "tensor_names",
                Tensor.ofStrings(new int[] { 2 }, new String[] { "w", "n" }), "shape_and_slices",
                Tensor.ofStrings(new int[] { 2 }, new String[] { "", "" }), "w", floats(new int[] { 3 }, 0.5f, -1, 2),
                "n", Tensor.ofLongs(new int[0], new long[] { 1L << 40 }));
        run(save, inputs);

        byte[] restore = FlexOpModels.model("RestoreV2", Map.of("dtypes", new int[] { DT_INT64, DT_FLOAT }),
                List.of(new Io("prefix", TensorType.STRING), new Io("tensor_names", TensorType.STRING, 2),
                        new Io("shape_and_slices", TensorType.STRING, 2)),
                List.of(new Io("n", TensorType.INT64), new Io("w", F32, -1)));
        Map<String, Tensor> out = run(restore,
                Map.of("prefix", Tensor.ofString(prefix.toString()), "tensor_names",
                        Tensor.ofStrings(new int[] { 2 }, new String[] { "n", "w" }), "shape_and_slices",
                        Tensor.ofStrings(new int[] { 2 }, new String[] { "", "" })));
        assertThat(out.get("n").longs()).containsExactly(1L << 40);
        assertThat(out.get("w").floats()).containsExactly(0.5f, -1, 2);

        Map<String, Tensor> sliced = new java.util.HashMap<>(inputs);
        sliced.put("shape_and_slices", Tensor.ofStrings(new int[] { 2 }, new String[] { "3 0,1", "" }));
        assertFails(save, sliced, "sliced checkpoints are not supported");
    }

    @Test
    void modelsWithOpsThisRuntimeLacksLoadAndNameThem() {
        byte[] flex = FlexOpModels.model("MatrixInverse", Map.of("T", DT_FLOAT), List.of(new Io("input", F32, 2, 2)),
                List.of(new Io("output", F32, 2, 2)));
        byte[] custom = FlexOpModels.model("MyCustomOp", new byte[] { 1, 2, 3 }, List.of(new Io("input", F32, 2, 2)),
                List.of(new Io("output", F32, 2, 2)));
        for (byte[] model : List.of(flex, custom)) {
            try (TrainableModel loaded = TrainableModel.load(model, "lacking")) {
                String op = loaded.missingOps().iterator().next();
                assertThat(op).isIn("FlexMatrixInverse", "MyCustomOp");
                assertThat(loaded.missingOps("run")).containsExactly(op);
                assertThatThrownBy(() -> loaded.run("run", Map.of("input", floats(new int[] { 2, 2 }, 1, 0, 0, 1))))
                    .isInstanceOfSatisfying(UnsupportedOpsException.class, e -> assertThat(e.ops()).containsExactly(op))
                    .hasMessage("signature 'run' needs custom ops this runtime does not provide: " + op);
            }
        }
    }

    @Test
    void malformedCustomOptionsFailTheNodeNotTheProcess() {
        for (byte[] options : List.of(new byte[0], new byte[] { (byte) 0xff, 0x7f, 3, 9, 1 },
                FlexOpModels.customOptions("ReluGrad", new byte[] { (byte) 0x0a, (byte) 0xff, 0x01 }),
                FlexOpModels.customOptions("ReluGrad", FlexOpModels.nodeDef("TanhGrad", Map.of())))) {
            byte[] model = FlexOpModels.model("FlexReluGrad", options,
                    List.of(new Io("gradients", F32, 2), new Io("features", F32, 2)),
                    List.of(new Io("output", F32, 2)));
            try (TrainableModel loaded = TrainableModel.load(model, "malformed")) {
                assertThatThrownBy(() -> loaded.run("run",
                        Map.of("gradients", floats(new int[] { 2 }, 1, 2), "features", floats(new int[] { 2 }, 1, 2))))
                    .isInstanceOf(ModelException.class)
                    .hasMessageMatching(".*(unreadable custom options|malformed NodeDef|NodeDef for op TanhGrad).*");
            }
        }
    }

    private static byte[] twoInOneOut(String op, String first, String second, int type, int... shape) {
        int[] dims = shape.length == 0 ? new int[] { -1, -1 } : shape;
        return FlexOpModels.model(op, Map.of("T", type), List.of(new Io(first, F32, dims), new Io(second, F32, dims)),
                List.of(new Io("output", F32, dims)));
    }

    private static byte[] xent(String op, byte labelType, Map<String, Object> attrs) {
        int[] labelShape = labelType == F32 ? new int[] { -1, -1 } : new int[] { -1 };
        return FlexOpModels.model(op, attrs,
                List.of(new Io("features", F32, -1, -1), new Io("labels", labelType, labelShape)),
                List.of(new Io("loss", F32, -1), new Io("backprop", F32, -1, -1)));
    }

    private static byte[] restoreModel(int dt, byte type, int... shape) {
        return FlexOpModels.model("Restore", Map.of("dt", dt),
                List.of(new Io("file_pattern", TensorType.STRING), new Io("tensor_name", TensorType.STRING)),
                List.of(new Io("tensor", type, shape)));
    }

    private static void assertAxes(byte[] model, int[] s0, int[] s1, int[] r0, int[] r1) {
        Map<String, Tensor> out = run(model, Map.of("s0", ints(s0), "s1", ints(s1)));
        assertThat(out.get("r0").ints()).as("r0 of %s, %s", s0, s1).containsExactly(r0);
        assertThat(out.get("r1").ints()).as("r1").containsExactly(r1);
    }

    private static Map<String, Tensor> run(byte[] model, Map<String, Tensor> inputs) {
        try (TrainableModel loaded = TrainableModel.load(model, "one-op")) {
            return loaded.run("run", inputs);
        }
    }

    private static void assertFails(byte[] model, Map<String, Tensor> inputs, String message) {
        try (TrainableModel loaded = TrainableModel.load(model, "one-op")) {
            assertThatThrownBy(() -> loaded.run("run", inputs)).isInstanceOf(ModelException.class)
                .message()
                .contains(message);
        }
    }

    private static Tensor floats(int[] shape, float... values) {
        return Tensor.ofFloats(shape, values);
    }

    private static Tensor ints(int... values) {
        return Tensor.ofInts(new int[] { values.length }, values);
    }

}
