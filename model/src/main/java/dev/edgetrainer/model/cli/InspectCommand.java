package dev.edgetrainer.model.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;

import dev.edgetrainer.model.checkpoint.Checkpointer;
import dev.edgetrainer.model.graph.ModelInspection;
import dev.edgetrainer.model.io.Sha256;
import dev.edgetrainer.model.runtime.TrainableModel;
import dev.edgetrainer.model.tensor.Signature;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "inspect", description = "Signatures with shapes, operators used, custom/Flex ops, and which "
        + "signatures can run in this runtime. Works on any .tflite.")
final class InspectCommand implements Callable<Integer> {

    @Spec
    CommandSpec command;

    @Mixin
    HelpOption help;

    @Parameters(paramLabel = "FILE", description = "The .tflite file to inspect.")
    Path file;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = command.commandLine().getOut();
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
                Set<String> provided = new TreeSet<>(custom);
                provided.retainAll(TrainableModel.providedCustomOps());
                out.printf("  provided by this runtime: %s%n", list(provided));
                out.printf("  missing: %s%n", list(model.missingOps()));
            }
        }
        return 0;
    }

    private static String list(Set<String> names) {
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

}
