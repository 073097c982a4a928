package dev.edgetrainer.model.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;

import dev.edgetrainer.model.checkpoint.Checkpointer;
import dev.edgetrainer.model.graph.ModelInspection;
import dev.edgetrainer.model.hosting.HostingPlan;
import dev.edgetrainer.model.hosting.HostingSettings;
import dev.edgetrainer.model.hosting.OutputKind;
import dev.edgetrainer.model.io.Sha256;
import dev.edgetrainer.model.runtime.TrainableModel;
import dev.edgetrainer.model.tensor.Signature;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "inspect", sortOptions = false,
        description = "Signatures with shapes, operators used, custom/Flex ops, which signatures can run in this "
                + "runtime, and whether and how the EdgeTrainer server can host the model (roles, output kind, "
                + "checkpoint style, settings). Works on any .tflite.")
final class InspectCommand implements Callable<Integer> {

    @Spec
    CommandSpec command;

    @Mixin
    HelpOption help;

    @Parameters(paramLabel = "FILE", description = "The .tflite file to inspect.")
    Path file;

    @Option(names = "--infer", paramLabel = "KEY",
            description = "The signature that infers, as edge.model.signatures.infer (default: infer).")
    String infer;

    @Option(names = "--train", paramLabel = "KEY",
            description = "The signature that trains, as edge.model.signatures.train (default: train).")
    String train;

    @Option(names = "--save", paramLabel = "KEY",
            description = "The signature that hands the weights out, as edge.model.signatures.save.")
    String save;

    @Option(names = "--restore", paramLabel = "KEY",
            description = "The signature that takes them back, as edge.model.signatures.restore.")
    String restore;

    @Option(names = "--output", paramLabel = "KIND", converter = OutputKindConverter.class,
            description = "probabilities, logits, binary or regression, as edge.model.output (default: derived).")
    OutputKind output;

    @Option(names = "--class-names", paramLabel = "NAMES", split = ",",
            description = "Class names in output order, as edge.model.class-names.")
    List<String> classNames = List.of();

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
            HostingReport.print(out,
                    HostingPlan.of(model,
                            new HostingSettings(infer, train, save, restore, output, classNames, List.of())),
                    settings());
        }
        return 0;
    }

    /** The server settings the options stand for, as an operator would write them. */
    private List<String> settings() {
        List<String> settings = new ArrayList<>();
        settings.add(HostingPlan.SETTINGS + "path=" + file);
        Map<String, String> roles = new LinkedHashMap<>();
        roles.put("infer", infer);
        roles.put("train", train);
        roles.put("save", save);
        roles.put("restore", restore);
        roles.forEach((role, key) -> {
            if (key != null) {
                settings.add(HostingPlan.SETTINGS + "signatures." + role + "=" + key);
            }
        });
        if (output != null) {
            settings.add(HostingPlan.SETTINGS + "output=" + output.setting());
        }
        if (!classNames.isEmpty()) {
            settings.add(HostingPlan.SETTINGS + "class-names=" + String.join(",", classNames));
        }
        return settings;
    }

    private static String list(Set<String> names) {
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

}
