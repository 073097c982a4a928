package dev.edgetrainer.model.cli;

import java.util.Arrays;
import java.util.Locale;

import dev.edgetrainer.model.hosting.OutputKind;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** An output kind as the server's setting spells it: {@code binary}, {@code logits}... */
final class OutputKindConverter implements ITypeConverter<OutputKind> {

    @Override
    public OutputKind convert(String text) {
        try {
            return OutputKind.valueOf(text.trim().toUpperCase(Locale.ROOT));
        }
        catch (IllegalArgumentException e) {
            throw new TypeConversionException("expected one of "
                    + Arrays.stream(OutputKind.values()).map(OutputKind::setting).toList() + ", got '" + text + "'");
        }
    }

}
