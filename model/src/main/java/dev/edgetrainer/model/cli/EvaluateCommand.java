package dev.edgetrainer.model.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import dev.edgetrainer.model.checkpoint.Checkpointer;
import dev.edgetrainer.model.data.Dataset;
import dev.edgetrainer.model.pretrain.Pretrainer;
import dev.edgetrainer.model.runtime.TrainableModel;
import dev.edgetrainer.model.tensor.WeightsFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "evaluate", sortOptions = false, sortSynopsis = false,
        description = "Print the accuracy on the t10k test set.")
final class EvaluateCommand implements Callable<Integer> {

    @Spec
    CommandSpec command;

    @Mixin
    HelpOption help;

    @Option(names = "--model", paramLabel = "FILE", required = true, description = "The .tflite file to evaluate.")
    Path model;

    @Option(names = "--data", paramLabel = "DIR", required = true,
            description = "Folder with the IDX files t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, "
                    + "gzipped or not.")
    Path data;

    @Option(names = "--checkpoint", paramLabel = "FILE", description = "Weights file to restore first.")
    Path checkpoint;

    @Override
    public Integer call() throws IOException {
        Dataset test = Dataset.load(data, "t10k");
        try (TrainableModel loaded = TrainableModel.load(model)) {
            if (checkpoint != null) {
                Checkpointer.of(loaded).restore(WeightsFile.decode(Files.readAllBytes(checkpoint)));
            }
            command.commandLine()
                .getOut()
                .printf(Locale.ROOT, "accuracy: %.4f%n", Pretrainer.accuracy(loaded, test, 1000));
        }
        return 0;
    }

}
