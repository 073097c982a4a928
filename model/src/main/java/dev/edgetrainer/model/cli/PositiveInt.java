package dev.edgetrainer.model.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** An option that counts something: an integer of at least 1. */
final class PositiveInt implements ITypeConverter<Integer> {

    @Override
    public Integer convert(String text) {
        int value;
        try {
            value = Integer.parseInt(text);
        }
        catch (NumberFormatException e) {
            throw new TypeConversionException("'" + text + "' is not an integer");
        }
        if (value < 1) {
            throw new TypeConversionException("must be positive, got " + value);
        }
        return value;
    }

}
