package dev.edgetrainer.model.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import picocli.CommandLine.Help;
import picocli.CommandLine.Help.Column;
import picocli.CommandLine.Help.Column.Overflow;
import picocli.CommandLine.Help.TextTable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * The top-level help's command list: each command with its options and defaults, so one
 * {@code --help} shows everything the tool can do (picocli's own list shows names only).
 */
final class CommandList {

    private static final int NAME_WIDTH = 11;

    private CommandList() {
    }

    static String render(Help help) {
        TextTable table = TextTable.forColumns(help.colorScheme(), new Column(NAME_WIDTH, 2, Overflow.SPAN),
                new Column(help.commandSpec().usageMessage().width() - NAME_WIDTH, 1, Overflow.WRAP));
        for (Map.Entry<String, Help> entry : help.subcommands().entrySet()) {
            CommandSpec command = entry.getValue().commandSpec();
            if (command.helpCommand()) {
                continue; // the footer points to it
            }
            table.addRowValues(entry.getKey(), synopsis(command));
            table.addRowValues("", String.join(" ", command.usageMessage().description()));
        }
        return table.toString();
    }

    /**
     * Options as {@code --name=DEFAULT} or {@code --name=LABEL}, optional ones in
     * brackets.
     */
    private static String synopsis(CommandSpec command) {
        List<String> parts = new ArrayList<>();
        for (OptionSpec option : command.options()) {
            if (option.usageHelp()) {
                continue;
            }
            String value = (option.defaultValue() != null) ? option.defaultValue() : option.paramLabel();
            String text = option.longestName() + "=" + value;
            parts.add(option.required() ? text : "[" + text + "]");
        }
        for (PositionalParamSpec parameter : command.positionalParameters()) {
            parts.add(parameter.paramLabel());
        }
        return String.join(" ", parts);
    }

}
