package dev.edgetrainer.model.cli;

import java.util.Arrays;

import picocli.CommandLine.TypeConversionException;

/**
 * Sizes as typed on the command line: separated by {@code x} or {@code ,}, e.g.
 * {@code 28x28} or {@code 128,64}; {@code none} is empty.
 */
record Sizes(int[] values) {

    static Sizes parse(String text) {
        if (text.equals("none")) {
            return new Sizes(new int[0]);
        }
        try {
            return new Sizes(
                    Arrays.stream(text.split("[x,]", -1)).mapToInt(part -> Integer.parseInt(part.trim())).toArray());
        }
        catch (NumberFormatException e) {
            throw new TypeConversionException("expected sizes like 28x28 or 128,64, got '" + text + "'");
        }
    }

}
