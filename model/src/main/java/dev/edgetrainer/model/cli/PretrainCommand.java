package dev.edgetrainer.model.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.edgetrainer.model.checkpoint.Checkpointer;
import dev.edgetrainer.model.data.Dataset;
import dev.edgetrainer.model.graph.MlpModelWriter;
import dev.edgetrainer.model.graph.MlpSpec;
import dev.edgetrainer.model.graph.PretrainingHistory;
import dev.edgetrainer.model.io.AtomicFiles;
import dev.edgetrainer.model.io.Sha256;
import dev.edgetrainer.model.pretrain.LossPlot;
import dev.edgetrainer.model.pretrain.Pretrainer;
import dev.edgetrainer.model.runtime.TrainableModel;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.model.tensor.WeightsFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "pretrain", sortOptions = false, sortSynopsis = false,
        description = "Train on IDX data (train-images/labels) through the model's own train signature, no shuffle, "
                + "printing the last batch's loss every 10 epochs; write the model with the trained weights as its "
                + "initial values and print the test accuracy (t10k).")
final class PretrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec command;

    @Mixin
    HelpOption help;

    @ParentCommand
    EdgeModelCli cli;

    @Option(names = "--data", paramLabel = "DIR", required = true,
            description = "Folder with the IDX files train-* and t10k-*, gzipped or not.")
    Path data;

    @Option(names = "--out", paramLabel = "FILE", required = true,
            description = "The .tflite file to write, with the trained weights as initial values.")
    Path out;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "100", converter = PositiveInt.class,
            description = "Passes over the training data (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "100", converter = PositiveInt.class,
            description = "Samples per train step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--plot", paramLabel = "FILE", description = "Also draw the loss per epoch as a PNG chart.")
    Path plot;

    @Option(names = "--checkpoint", paramLabel = "FILE", description = "Start from the weights in this file.")
    Path checkpoint;

    @Option(names = "--save-checkpoint", paramLabel = "FILE", description = "Also save the trained weights here.")
    Path saveCheckpoint;

    @Mixin
    MlpOptions mlp;

    @Override
    public Integer call() throws IOException {
        PrintWriter printed = command.commandLine().getOut();
        MlpSpec spec = mlp.spec();
        Dataset train = Dataset.load(data, "train");
        Dataset test = Dataset.load(data, "t10k");
        try (TrainableModel model = TrainableModel.load(MlpModelWriter.write(spec), "new " + spec)) {
            Checkpointer checkpointer = Checkpointer.of(model);
            if (checkpoint != null) {
                checkpointer.restore(WeightsFile.decode(Files.readAllBytes(checkpoint)));
                printed.printf("restored weights from %s%n", checkpoint);
            }
            printed.printf("training %s on %,d samples: %d epochs, batch %d, no shuffle%n", spec, train.size(), epochs,
                    batch);
            ProgressBar bar = new ProgressBar(command.commandLine().getErr(), cli.interactive());
            long started = System.nanoTime();
            List<Double> losses = Pretrainer.train(model, train, spec.classes(), epochs, batch,
                    (epoch, total, step, steps, loss) -> {
                        bar.update(epoch, total, step, steps, loss);
                        if (step == steps && epoch % 10 == 0) {
                            bar.clear();
                            printed.printf(Locale.ROOT, "Finished %d epochs%n  loss: %.3f%n", epoch, loss);
                        }
                    });
            bar.clear();
            Duration took = Duration.ofNanos(System.nanoTime() - started);
            printed.printf(Locale.ROOT, "trained %d epochs in %s (%.1f s)%n", epochs, ProgressBar.format(took),
                    took.toMillis() / 1000.0);

            Map<String, Tensor> weights = checkpointer.save();
            Map<String, float[]> values = new LinkedHashMap<>();
            weights.forEach((name, tensor) -> values.put(name, tensor.floats()));
            byte[] trained = MlpModelWriter.write(spec, values, new PretrainingHistory(train.size(), batch, losses));
            AtomicFiles.write(out, trained);
            printed.printf("wrote %s (%,d bytes, sha256 %s) with the trained weights as initial values%n", out,
                    trained.length, Sha256.hex(trained));
            if (saveCheckpoint != null) {
                AtomicFiles.write(saveCheckpoint, WeightsFile.encode(weights));
                printed.printf("saved weights to %s%n", saveCheckpoint);
            }
            if (plot != null) {
                LossPlot.writePng(plot, "Training loss (last batch of each epoch)",
                        List.of(new LossPlot.Series("EdgeTrainer", 1, losses)));
                printed.printf("plotted the loss curve to %s%n", plot);
            }
            // A fresh interpreter from the written file proves the weights were baked in.
            try (TrainableModel written = TrainableModel.load(trained, out.toString())) {
                printed.printf(Locale.ROOT, "test accuracy: %.4f%n", Pretrainer.accuracy(written, test, 1000));
            }
        }
        return 0;
    }

}
