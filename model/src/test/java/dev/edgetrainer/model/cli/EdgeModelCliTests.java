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
import dev.edgetrainer.model.graph.MlpModelWriter;
import dev.edgetrainer.model.graph.MlpSpec;
import dev.edgetrainer.model.graph.PretrainingHistory;
import dev.edgetrainer.model.runtime.SharedModels;
import dev.edgetrainer.model.runtime.TrainableModel;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.WeightsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.lite.schema.TensorType;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
        assertThat(err.toString()).contains("Missing required option: '--out=FILE'");
        assertThat(run("create", "--out", dir.resolve("x").toString(), "--hidden", "12,abc")).isEqualTo(2);
        assertThat(err.toString()).contains("--hidden");
        assertThat(run("create", "--out", dir.resolve("x").toString(), "--classes", "1")).isEqualTo(1);
        assertThat(err.toString()).contains("classes must be at least 2");
        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(run("create", "--out", dir.resolve("x").toString(), "--bogus", "1")).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown options: '--bogus', '1'");
        assertThat(run("inspect", dir.resolve("missing.tflite").toString())).isEqualTo(1);
        assertThat(err.toString()).contains("error: no such file: ").contains("missing.tflite");
    }

    @Test
    void aBadOptionValueIsAUsageErrorNamingTheOptionAndWritesNothing() {
        Path model = dir.resolve("m.tflite");
        assertThat(run("create", "--out", model.toString(), "--lr", "fast")).isEqualTo(2);
        assertThat(err.toString()).contains("error: Invalid value for option '--lr': 'fast' is not a float")
            .contains("run 'java -jar edge-model.jar create --help' for usage");
        assertThat(run("pretrain", "--data", dir.toString(), "--out", model.toString(), "--epochs", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid value for option '--epochs': must be positive, got 0");
        assertThat(run("create", "--out", model.toString(), "--input", "28xx")).isEqualTo(2);
        assertThat(err.toString()).contains("--input").contains("expected sizes like 28x28 or 128,64, got '28xx'");
        assertThat(model).doesNotExist();
    }

    @Test
    void aMissingRequiredOptionIsAUsageErrorNamingIt() {
        assertThat(run("pretrain", "--out", dir.resolve("m.tflite").toString())).isEqualTo(2);
        assertThat(err.toString()).contains("error: Missing required option: '--data=DIR'");
        assertThat(run("evaluate", "--data", dir.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required option: '--model=FILE'");
        assertThat(run("inspect")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required parameter: 'FILE'");
        assertThat(run()).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required subcommand");
    }

    @Test
    void eachCommandHasHelpWithItsDefaults() {
        assertThat(run("pretrain", "--help")).isZero();
        assertThat(out()).contains("Usage: java -jar edge-model.jar pretrain")
            .contains("--epochs=N")
            .contains("(default: 100)")
            .contains("--hidden=SIZES")
            .contains("(default: 42)");
        assertThat(run("help", "create")).isZero();
        assertThat(out()).contains("--out=FILE").contains("(default: 28x28)");
    }

    @Test
    void createWithoutOptionsWritesTheTutorialsModel() throws Exception {
        Path model = dir.resolve("default.tflite");
        assertThat(run("create", "--out", model.toString())).isZero();
        assertThat(Files.readAllBytes(model)).isEqualTo(MlpModelWriter.write(MlpSpec.fashionMnist()));
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
            .doesNotContain("cannot run")
            .contains("EdgeTrainer server: can host this model")
            .contains("checkpoints: path style, save and restore (path input checkpoint_path: string[])")
            .contains("output:      probabilities (infer output 'output': 10 values per sample from a SOFTMAX)")
            .contains("train:       train: x: float32[-1, 28, 28], y: float32[-1, 10] (one-hot) -> loss")
            .contains("edge.model.class-names=<10 names, in output order>");
    }

    @Test
    void inspectSaysHowTheServerHostsAModelAndWhatItsSettingsWouldDo() throws Exception {
        Path model = dir.resolve("flower.tflite");
        MlpSpec spec = new MlpSpec(new int[] { 4 }, new int[] { 3 }, 3, 0.1f, 1);
        Map<MlpModelWriter.Role, String> keys = MlpModelWriter.defaultSignatures();
        keys.remove(MlpModelWriter.Role.INFER);
        keys.put(MlpModelWriter.Role.SAVE, "parameters");
        Files.write(model, MlpModelWriter.write(spec, MlpModelWriter.initialWeights(spec), keys));

        assertThat(run("inspect", model.toString())).isZero();
        assertThat(out()).contains("EdgeTrainer server: can host this model")
            .contains("infer:       none: /infer answers 501")
            .contains("note: no 'infer' signature")
            .contains("checkpoints: tensors style, parameters and restore")
            .contains("edge.model.path=" + model);

        assertThat(run("inspect", model.toString(), "--class-names", "a,b", "--train", "fit")).isZero();
        assertThat(out()).contains("EdgeTrainer server: cannot host this model")
            .contains("problem: edge.model.signatures.train is 'fit', but the model has no signature 'fit'")
            .contains("action: Set edge.model.signatures.train to one of [train, parameters, restore]")
            .doesNotContain("settings:");
        assertThat(run("inspect", model.toString(), "--output", "sideways")).isEqualTo(2);
        assertThat(err.toString()).contains("expected one of [probabilities, logits, binary, regression]");
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
        // The loss curve travels with the model file, for the server's dashboard.
        PretrainingHistory history = PretrainingHistory.read(Files.readAllBytes(model)).orElseThrow();
        assertThat(history.samples()).isEqualTo(600);
        assertThat(history.batchSize()).isEqualTo(50);
        assertThat(history.epochLosses()).hasSize(10);
        assertThat(history.epochLosses().get(9)).isCloseTo(number(printed, "Finished 10 epochs\\s+loss: ([0-9.]+)"),
                within(0.0005));

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
        assertThat(err.toString()).contains("t10k").contains("not found, with or without .gz");
    }

    private static double number(String text, String regex) {
        Matcher matcher = Pattern.compile(regex).matcher(text);
        assertThat(matcher.find()).as(text).isTrue();
        return Double.parseDouble(matcher.group(1));
    }

}
