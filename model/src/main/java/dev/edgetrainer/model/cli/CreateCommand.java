package dev.edgetrainer.model.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.edgetrainer.model.graph.MlpModelWriter;
import dev.edgetrainer.model.graph.MlpSpec;
import dev.edgetrainer.model.io.AtomicFiles;
import dev.edgetrainer.model.io.Sha256;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "create", sortOptions = false, sortSynopsis = false,
        description = "Write a trainable MLP (train/infer/save/restore signatures, builtin ops only).")
final class CreateCommand implements Callable<Integer> {

    @Spec
    CommandSpec command;

    @Mixin
    HelpOption help;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "The .tflite file to write.")
    Path out;

    @Mixin
    MlpOptions mlp;

    @Override
    public Integer call() throws IOException {
        MlpSpec spec = mlp.spec();
        byte[] model = MlpModelWriter.write(spec);
        AtomicFiles.write(out, model);
        command.commandLine()
            .getOut()
            .printf("wrote %s (%,d bytes, sha256 %s) for %s%n", out, model.length, Sha256.hex(model), spec);
        return 0;
    }

}
