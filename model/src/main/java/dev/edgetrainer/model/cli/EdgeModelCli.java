package dev.edgetrainer.model.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;

import dev.edgetrainer.model.data.Dataset;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * {@code java -jar edge-model.jar COMMAND}: create, inspect, pretrain and evaluate
 * trainable TFLite models. Exit codes: 0 success, 1 failure, 2 usage error.
 */
@Command(name = "java -jar edge-model.jar", description = "Trainable TensorFlow Lite models from Java.", subcommands = {
        CreateCommand.class, InspectCommand.class, PretrainCommand.class, EvaluateCommand.class, HelpCommand.class })
public final class EdgeModelCli {

    private static final int USAGE_WIDTH = 100;

    @Mixin
    HelpOption help;

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
        CommandLine cli = new CommandLine(this).registerConverter(Sizes.class, Sizes::parse)
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true))
            .setParameterExceptionHandler(EdgeModelCli::usageError)
            .setExecutionExceptionHandler(EdgeModelCli::failure)
            .setUsageHelpWidth(USAGE_WIDTH)
            // An argument starting with @ is a file name here, not a file of more
            // arguments.
            .setExpandAtFiles(false);
        cli.getCommandSpec()
            .usageMessage()
            .footer("%nFashion-MNIST is at " + Dataset.DEBIAN_DIR + " (Debian package dataset-fashion-mnist).",
                    "Run 'java -jar edge-model.jar help COMMAND' for a command's options, defaults and meaning.");
        cli.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, CommandList::render);
        return cli.execute(args);
    }

    boolean interactive() {
        return interactive;
    }

    /**
     * A command line that cannot run as given: say why and where the usage is, exit 2.
     */
    private static int usageError(ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        PrintWriter err = command.getErr();
        err.println("error: " + e.getMessage());
        UnmatchedArgumentException.printSuggestions(e, err);
        CommandSpec spec = command.getCommandSpec();
        err.println("run '" + spec.qualifiedName() + " --help' for usage");
        return spec.exitCodeOnInvalidInput();
    }

    /** A command that failed while running: its message, no stack trace, exit 1. */
    private static int failure(Exception e, CommandLine command, ParseResult parsed) {
        command.getErr().println("error: " + message(e));
        return command.getCommandSpec().exitCodeOnExecutionException();
    }

    /** The exception's message; a missing file's bare path says what is wrong with it. */
    private static String message(Exception e) {
        if (e instanceof NoSuchFileException missing && missing.getReason() == null) {
            return "no such file: " + missing.getFile();
        }
        return (e.getMessage() != null) ? e.getMessage() : e.toString();
    }

}
