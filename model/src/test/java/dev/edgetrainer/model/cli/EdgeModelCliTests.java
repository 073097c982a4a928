package dev.edgetrainer.model.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.imageio.ImageIO;

import dev.edgetrainer.model.checkpoint.Checkpointer;
import dev.edgetrainer.model.data.SyntheticImages;
import dev.edgetrainer.model.flex.FlexOpModels;
import dev.edgetrainer.model.runtime.SharedModels;
import dev.edgetrainer.model.runtime.TrainableModel;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.WeightsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.lite.schema.TensorType;

import static org.assertj.core.api.Assertions.assertThat;

class EdgeModelCliTests {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        out.reset();
        err.reset();
        return new EdgeModelCli(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false)
            .run(args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpListsEveryCommand() {
        assertThat(run("--help")).isZero();
        assertThat(out()).contains("create", "inspect", "pretrain", "evaluate", "--plot", "--checkpoint");
        assertThat(run()).isEqualTo(2);
    }

    @Test
    void createWritesTheSameBytesForTheSameArguments() throws Exception {
        Path a = dir.resolve("a.tflite");
        Path b = dir.resolve("b.tflite");
        assertThat(run("create", "--out", a.toString(), "--input", "8x8", "--hidden", "16,12", "--classes", "4", "--lr",
                "0.05", "--seed", "3"))
            .isZero();
        assertThat(run("create", "--out", b.toString(), "--input", "8x8", "--hidden", "16,12", "--classes", "4", "--lr",
                "0.05", "--seed", "3"))
            .isZero();
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
        try (TrainableModel model = TrainableModel.load(a)) {
            assertThat(model.signature("train").orElseThrow().input("x").orElseThrow().shape()).containsExactly(-1, 8,
                    8);
            assertThat(Checkpointer.of(model).weightSpecs()).hasSize(6);
        }
    }

    @Test
    void badArgumentsAreUsageErrors() {
        assertThat(run("create")).isEqualTo(2);
        assertThat(err.toString()).contains("--out is required");
        assertThat(run("create", "--out", dir.resolve("x").toString(), "--hidden", "12,abc")).isEqualTo(2);
        assertThat(err.toString()).contains("--hidden");
        assertThat(run("create", "--out", dir.resolve("x").toString(), "--classes", "1")).isEqualTo(1);
        assertThat(err.toString()).contains("classes must be at least 2");
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(run("create", "--bogus", "1")).isEqualTo(2);
        assertThat(err.toString()).contains("unknown option --bogus");
        assertThat(run("inspect", dir.resolve("missing.tflite").toString())).isEqualTo(1);
    }

    @Test
    void inspectShowsWhichSignaturesCanRun() {
        assertThat(run("inspect", SharedModels.require("tutorial-mnist-flex.tflite").toString())).isZero();
        assertThat(out()).contains("checkpoint style: path")
            .contains("custom/Flex ops: FlexReluGrad, FlexRestore, FlexSave")
            .contains("provided by this runtime: FlexReluGrad, FlexRestore, FlexSave")
            .contains("missing: none")
            .containsPattern(
                    "train\\(x: float32\\[-1, 28, 28\\], y: float32\\[-1, 10\\]\\).*\\n\\s+runs in this runtime")
            .doesNotContain("cannot run");
    }

    @Test
    void inspectNamesOpsThisRuntimeLacks() throws Exception {
        Path model = dir.resolve("custom.tflite");
        Files.write(model,
                FlexOpModels.model("MyCustomOp", new byte[0],
                        List.of(new FlexOpModels.Io("input", TensorType.FLOAT32, 2)),
                        List.of(new FlexOpModels.Io("output", TensorType.FLOAT32, 2))));
        assertThat(run("inspect", model.toString())).isZero();
        assertThat(out()).contains("cannot run here: needs MyCustomOp")
            .contains("custom/Flex ops: MyCustomOp")
            .contains("provided by this runtime: none")
            .contains("missing: MyCustomOp")
            .contains("checkpoint style: none");
    }

    @Test
    void pretrainLearnsWritesTheTrainedModelAndEvaluateAgrees() throws Exception {
        Path data = SyntheticImages.write(dir, 600, 200, 4);
        Path model = dir.resolve("trained.tflite");
        Path plot = dir.resolve("loss.png");
        Path weights = dir.resolve("trained.weights");
        assertThat(run("pretrain", "--data", data.toString(), "--epochs", "10", "--batch", "50", "--hidden", "16",
                "--lr", "0.1", "--out", model.toString(), "--plot", plot.toString(), "--save-checkpoint",
                weights.toString()))
            .as(err.toString())
            .isZero();
        String printed = out();
        assertThat(printed).contains("Finished 10 epochs");
        double accuracy = number(printed, "test accuracy: ([0-9.]+)");
        assertThat(accuracy).isGreaterThan(0.9);
        assertThat(ImageIO.read(plot.toFile()).getWidth()).isEqualTo(800);

        assertThat(run("evaluate", "--model", model.toString(), "--data", data.toString())).isZero();
        assertThat(number(out(), "accuracy: ([0-9.]+)")).isEqualTo(accuracy);

        // A fresh, untrained model given the saved weights scores the same.
        Path fresh = dir.resolve("fresh.tflite");
        run("create", "--out", fresh.toString(), "--hidden", "16", "--lr", "0.1");
        assertThat(run("evaluate", "--model", fresh.toString(), "--data", data.toString())).isZero();
        assertThat(number(out(), "accuracy: ([0-9.]+)")).isLessThan(0.5);
        assertThat(run("evaluate", "--model", fresh.toString(), "--data", data.toString(), "--checkpoint",
                weights.toString()))
            .isZero();
        assertThat(number(out(), "accuracy: ([0-9.]+)")).isEqualTo(accuracy);

        // Training continues from the checkpoint rather than from scratch.
        assertThat(run("pretrain", "--data", data.toString(), "--epochs", "10", "--batch", "50", "--hidden", "16",
                "--lr", "0.1", "--out", dir.resolve("more.tflite").toString(), "--checkpoint", weights.toString()))
            .isZero();
        assertThat(out()).contains("restored weights from");
        try (TrainableModel trained = TrainableModel.load(model)) {
            float[] saved = WeightsFile.decode(Files.readAllBytes(weights)).get("dense/bias").floats();
            assertThat(trained.run("save", Map.<String, Tensor>of()).get("dense/bias").floats()).containsExactly(saved);
        }
    }

    @Test
    void missingDataIsAClearError() {
        assertThat(run("evaluate", "--model", dir.resolve("m").toString(), "--data", dir.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("t10k");
    }

    private static double number(String text, String regex) {
        Matcher matcher = Pattern.compile(regex).matcher(text);
        assertThat(matcher.find()).as(text).isTrue();
        return Double.parseDouble(matcher.group(1));
    }

}
