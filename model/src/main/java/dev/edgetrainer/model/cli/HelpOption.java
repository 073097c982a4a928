package dev.edgetrainer.model.cli;

import picocli.CommandLine.Option;

/** {@code -h}/{@code --help} on every command (picocli's help subcommand has its own). */
final class HelpOption {

    @Option(names = { "-h", "--help" }, usageHelp = true, description = "Show this help and exit.")
    boolean help;

}
