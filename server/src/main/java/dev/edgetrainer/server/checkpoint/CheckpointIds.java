package dev.edgetrainer.server.checkpoint;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import dev.edgetrainer.server.system.BadInputException;

/**
 * Checkpoint ids: plain names that are safe as file names, and new ones made from the
 * time and the train step, so they sort by age and say how far training had got.
 */
final class CheckpointIds {

    /** Plain names only: no dots, slashes or anything a path could be made of. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'")
        .withZone(ZoneOffset.UTC);

    private CheckpointIds() {
    }

    static boolean isId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    /**
     * @throws BadInputException naming {@code field} when {@code id} is not a plain
     * checkpoint name
     */
    static String require(String id, String field) {
        if (!isId(id)) {
            throw new BadInputException(field, "'" + id + "' is not a checkpoint id: ids are 1-64 letters, digits, "
                    + "'-' or '_', starting with a letter or digit");
        }
        return id;
    }

    /**
     * {@code 20250101T120000123Z-s600}, with {@code -2}, {@code -3}... appended while the
     * id is taken.
     */
    static String next(Instant time, long step, Predicate<String> taken) {
        String base = TIME.format(time) + "-s" + step;
        String id = base;
        for (int i = 2; taken.test(id); i++) {
            id = base + "-" + i;
        }
        return id;
    }

}
