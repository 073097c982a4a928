package dev.edgetrainer.model.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.edgetrainer.model.checkpoint.Checkpointer;
import dev.edgetrainer.model.data.Dataset;
import dev.edgetrainer.model.graph.MlpModelWriter;
import dev.edgetrainer.model.graph.MlpSpec;
import dev.edgetrainer.model.graph.ModelInspection;
import dev.edgetrainer.model.graph.PretrainingHistory;
import dev.edgetrainer.model.io.AtomicFiles;
import dev.edgetrainer.model.io.Sha256;
import dev.edgetrainer.model.pretrain.LossPlot;
import dev.edgetrainer.model.pretrain.Pretrainer;
import dev.edgetrainer.model.runtime.TrainableModel;
import dev.edgetrainer.model.tensor.Signature;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.WeightsFile;

/**
 * {@code java -jar edge-model.jar COMMAND}: create, inspect, pretrain and evaluate
 * trainable TFLite models.
 */
public final class EdgeModelCli {

    static final String USAGE = """
            usage: java -jar edge-model.jar COMMAND [OPTIONS]

            commands:
              create   --out FILE [--input 28x28] [--hidden 128] [--classes 10] [--lr 0.01] [--seed 42]
                       Write a trainable MLP (train/infer/save/restore signatures, builtin ops only).
                       --hidden takes sizes like 128,64, or none for softmax regression.
              inspect  FILE
                       Signatures with shapes, operators used, custom/Flex ops, and which signatures
                       can run in this runtime.
              pretrain --data DIR --out FILE [--epochs 100] [--batch 100] [--plot loss.png]
                       [--checkpoint FILE] [--save-checkpoint FILE] [create's options]
                       Train on IDX data (train-images/labels) through the model's own train signature,
                       no shuffle, printing the last batch's loss every 10 epochs; write the model with
                       the trained weights as its initial values and print the test accuracy.
                       --checkpoint starts from saved weights; --save-checkpoint saves the result.
              evaluate --model FILE --data DIR [--checkpoint FILE]
                       Print the accuracy on the t10k test set.

            Fashion-MNIST is at %s (Debian package dataset-fashion-mnist).
            """.formatted(Dataset.DEBIAN_DIR);

    private static final Set<String> SPEC_OPTIONS = Set.of("input", "hidden", "classes", "lr", "seed");

    private final PrintStream out;

    private final PrintStream err;

    private final boolean interactive;

    EdgeModelCli(PrintStream out, PrintStream err, boolean interactive) {
        this.out = out;
        this.err = err;
        this.interactive = interactive;
    }

    public static void main(String[] args) {
        System.exit(new EdgeModelCli(System.out, System.err, System.console() != null).run(args));
    }

    /** Runs one command; returns the exit code (0 ok, 1 failure, 2 usage). */
    int run(String... args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        List<String> rest = List.of(args).subList(1, args.length);
        try {
            switch (args[0]) {
                case "create" -> create(new Args(rest, union(SPEC_OPTIONS, Set.of("out"))));
                case "inspect" -> inspect(new Args(rest, Set.of()));
                case "pretrain" -> pretrain(new Args(rest, union(SPEC_OPTIONS,
                        Set.of("data", "out", "epochs", "batch", "plot", "checkpoint", "save-checkpoint"))));
                case "evaluate" -> evaluate(new Args(rest, Set.of("model", "data", "checkpoint")));
                default -> throw new Args.UsageException("unknown command '" + args[0] + "'");
            }
            return 0;
        }
        catch (Args.UsageException | IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            if (e instanceof Args.UsageException) {
                err.println("run with --help for usage");
                return 2;
            }
            return 1;
        }
        catch (IOException | RuntimeException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> union = new java.util.HashSet<>(a);
        union.addAll(b);
        return union;
    }

    private static MlpSpec spec(Args args) {
        MlpSpec defaults = MlpSpec.fashionMnist();
        return new MlpSpec(args.sizes("input", defaults.inputShape()), args.sizes("hidden", defaults.hidden()),
                args.positiveInt("classes", defaults.classes()), args.floatValue("lr", defaults.learningRate()),
                args.longValue("seed", defaults.seed()));
    }

    private void create(Args args) throws IOException {
        Path target = args.requiredPath("out");
        MlpSpec spec = spec(args);
        byte[] model = MlpModelWriter.write(spec);
        AtomicFiles.write(target, model);
        out.printf("wrote %s (%,d bytes, sha256 %s) for %s%n", target, model.length, Sha256.hex(model), spec);
    }

    private void inspect(Args args) throws IOException {
        if (args.positional().size() != 1) {
            throw new Args.UsageException("inspect takes one model file");
        }
        Path file = Path.of(args.positional().get(0));
        byte[] bytes = Files.readAllBytes(file);
        try (TrainableModel model = TrainableModel.load(bytes, file.toString())) {
            ModelInspection inspection = model.inspection();
            out.printf("model: %s (%,d bytes, sha256 %s)%n", file, bytes.length, Sha256.hex(bytes));
            out.printf("runtime: TensorFlow Lite %s%n", TrainableModel.runtimeVersion());
            out.printf("checkpoint style: %s%n", Checkpointer.of(model).style().name().toLowerCase(Locale.ROOT));
            out.println("signatures:");
            for (Signature signature : model.signatures()) {
                Set<String> missing = model.missingOps(signature.key());
                out.printf("  %s%n", signature);
                out.printf("    %s%n", missing.isEmpty() ? "runs in this runtime"
                        : "cannot run here: needs " + String.join(", ", missing));
            }
            out.println("operators:");
            inspection.operatorCounts().forEach((name, count) -> out.printf("  %-28s %d%n", name, count));
            Set<String> custom = inspection.customOps();
            out.printf("custom/Flex ops: %s%n", list(custom));
            if (!custom.isEmpty()) {
                Set<String> provided = new java.util.TreeSet<>(custom);
                provided.retainAll(TrainableModel.providedCustomOps());
                out.printf("  provided by this runtime: %s%n", list(provided));
                out.printf("  missing: %s%n", list(model.missingOps()));
            }
        }
    }

    private void pretrain(Args args) throws IOException {
        Path dataDir = args.requiredPath("data");
        Path target = args.requiredPath("out");
        int epochs = args.positiveInt("epochs", 100);
        int batch = args.positiveInt("batch", 100);
        MlpSpec spec = spec(args);
        Dataset train = Dataset.load(dataDir, "train");
        Dataset test = Dataset.load(dataDir, "t10k");
        try (TrainableModel model = TrainableModel.load(MlpModelWriter.write(spec), "new " + spec)) {
            Checkpointer checkpointer = Checkpointer.of(model);
            Path start = args.path("checkpoint");
            if (start != null) {
                checkpointer.restore(WeightsFile.decode(Files.readAllBytes(start)));
                out.printf("restored weights from %s%n", start);
            }
            out.printf("training %s on %,d samples: %d epochs, batch %d, no shuffle%n", spec, train.size(), epochs,
                    batch);
            ProgressBar bar = new ProgressBar(err, interactive);
            long started = System.nanoTime();
            List<Double> losses = Pretrainer.train(model, train, spec.classes(), epochs, batch,
                    (epoch, total, step, steps, loss) -> {
                        bar.update(epoch, total, step, steps, loss);
                        if (step == steps && epoch % 10 == 0) {
                            bar.clear();
                            out.printf(Locale.ROOT, "Finished %d epochs%n  loss: %.3f%n", epoch, loss);
                        }
                    });
            bar.clear();
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            out.printf(Locale.ROOT, "trained %d epochs in %s (%.1f s)%n", epochs, format(took),
                    took.toMillis() / 1000.0);

            Map<String, Tensor> weights = checkpointer.save();
            Map<String, float[]> values = new LinkedHashMap<>();
            weights.forEach((name, tensor) -> values.put(name, tensor.floats()));
            byte[] trained = MlpModelWriter.write(spec, values, new PretrainingHistory(train.size(), batch, losses));
            AtomicFiles.write(target, trained);
            out.printf("wrote %s (%,d bytes, sha256 %s) with the trained weights as initial values%n", target,
                    trained.length, Sha256.hex(trained));
            Path saveTo = args.path("save-checkpoint");
            if (saveTo != null) {
                AtomicFiles.write(saveTo, WeightsFile.encode(weights));
                out.printf("saved weights to %s%n", saveTo);
            }
            Path plot = args.path("plot");
            if (plot != null) {
                LossPlot.writePng(losses, plot, "Training loss (last batch of each epoch)");
                out.printf("plotted the loss curve to %s%n", plot);
            }
            // A fresh interpreter from the written file proves the weights were baked in.
            try (TrainableModel written = TrainableModel.load(trained, target.toString())) {
                out.printf(Locale.ROOT, "test accuracy: %.4f%n", Pretrainer.accuracy(written, test, 1000));
            }
        }
    }

    private void evaluate(Args args) throws IOException {
        Path modelFile = args.requiredPath("model");
        Dataset test = Dataset.load(args.requiredPath("data"), "t10k");
        try (TrainableModel model = TrainableModel.load(modelFile)) {
            Path checkpoint = args.path("checkpoint");
            if (checkpoint != null) {
                Checkpointer.of(model).restore(WeightsFile.decode(Files.readAllBytes(checkpoint)));
            }
            out.printf(Locale.ROOT, "accuracy: %.4f%n", Pretrainer.accuracy(model, test, 1000));
        }
    }

    private static String list(Set<String> names) {
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

    static String format(Duration duration) {
        return String.format(Locale.ROOT, "%d:%02d", duration.toMinutes(), duration.toSecondsPart());
    }

}
