package dev.edgetrainer.model.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code --name value} options and positional arguments, checked against the options a
 * command knows.
 */
final class Args {

    private final Map<String, String> options = new HashMap<>();

    private final List<String> positional = new ArrayList<>();

    Args(List<String> args, Set<String> known) {
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.startsWith("--")) {
                String name = arg.substring(2);
                if (!known.contains(name)) {
                    throw new UsageException("unknown option " + arg);
                }
                if (i + 1 >= args.size()) {
                    throw new UsageException("option " + arg + " needs a value");
                }
                options.put(name, args.get(++i));
            }
            else {
                positional.add(arg);
            }
        }
    }

    List<String> positional() {
        return positional;
    }

    String string(String name, String fallback) {
        return options.getOrDefault(name, fallback);
    }

    Path requiredPath(String name) {
        String value = options.get(name);
        if (value == null) {
            throw new UsageException("--" + name + " is required");
        }
        return Path.of(value);
    }

    Path path(String name) {
        String value = options.get(name);
        return value == null ? null : Path.of(value);
    }

    int positiveInt(String name, int fallback) {
        int value = parse(name, fallback, Integer::parseInt, "an integer");
        if (value < 1) {
            throw new UsageException("--" + name + " must be positive, got " + value);
        }
        return value;
    }

    long longValue(String name, long fallback) {
        return parse(name, fallback, Long::parseLong, "an integer");
    }

    float floatValue(String name, float fallback) {
        return parse(name, fallback, Float::parseFloat, "a number");
    }

    private <T> T parse(String name, T fallback, Function<String, T> parser, String what) {
        String value = options.get(name);
        try {
            return value == null ? fallback : parser.apply(value);
        }
        catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be " + what + ", got " + value);
        }
    }

    /**
     * Sizes separated by {@code x} or {@code ,}, e.g. {@code 28x28} or {@code 128,64};
     * {@code none} is empty.
     */
    int[] sizes(String name, int[] fallback) {
        String value = options.get(name);
        if (value == null) {
            return fallback;
        }
        if (value.equals("none")) {
            return new int[0];
        }
        try {
            String[] parts = value.split("[x,]");
            int[] sizes = new int[parts.length];
            for (int i = 0; i < parts.length; i++) {
                sizes[i] = Integer.parseInt(parts[i].trim());
            }
            return sizes;
        }
        catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be sizes like 28x28 or 128,64, got " + value);
        }
    }

    /** A command line that cannot be run as given. */
    static final class UsageException extends RuntimeException {

        UsageException(String message) {
            super(message);
        }

    }

}
