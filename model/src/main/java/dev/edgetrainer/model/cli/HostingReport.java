package dev.edgetrainer.model.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import dev.edgetrainer.model.hosting.HostingPlan;
import dev.edgetrainer.model.hosting.HostingPlan.Problem;
import dev.edgetrainer.model.hosting.OutputKind;

/** The hosting section of {@code inspect}: can the server host it, and how. */
final class HostingReport {

    private HostingReport() {
    }

    static void print(PrintWriter out, HostingPlan plan, List<String> given) {
        out.printf("EdgeTrainer server: %s%n", plan.hostable() ? "can host this model" : "cannot host this model");
        for (Problem problem : plan.problems()) {
            out.printf("  problem: %s%n", problem.description());
            out.printf("    action: %s%n", problem.action());
        }
        out.printf("  infer:       %s%n",
                plan.infer()
                    .map(role -> role.signature() + ": " + role.input() + " -> " + role.output().name()
                            + (role.logits() == null ? "" : " (and " + role.logits() + ")"))
                    .orElse("none: /infer answers 501"));
        out.printf("  train:       %s%n", plan.train()
            .map(role -> role.signature() + ": " + role.x() + ", " + role.y()
                    + (role.targets() == null ? "" : " (" + role.targets().name().toLowerCase().replace('_', '-') + ")")
                    + " -> " + role.loss())
            .orElse("none: /train answers 501"));
        HostingPlan.Checkpoints checkpoints = plan.checkpoints();
        out.printf("  checkpoints: %s%n",
                checkpoints.style() == CheckpointStyle.NONE ? "none: /checkpoint/save answers 501"
                        : checkpoints.style().name().toLowerCase() + " style, " + checkpoints.save() + " and "
                                + checkpoints.restore()
                                + (checkpoints.path() == null ? "" : " (path input " + checkpoints.path() + ")"));
        HostingPlan.Output output = plan.output();
        if (output != null) {
            out.printf("  output:      %s (%s)%n", output.kind().setting(), output.reason());
            if (output.kind() != OutputKind.REGRESSION) {
                out.printf("  classes:     %d, named %s%s%n", output.classNames().size(),
                        String.join(", ", output.classNames()),
                        output.namesConfigured() ? "" : " until edge.model.class-names names them");
            }
        }
        for (String note : plan.notes()) {
            out.printf("  note: %s%n", note);
        }
        if (plan.hostable()) {
            List<String> settings = new ArrayList<>(given);
            settings.addAll(plan.suggestedSettings());
            out.println("  settings:");
            settings.forEach(setting -> out.printf("    %s%n", setting));
        }
    }

}
