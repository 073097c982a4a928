package dev.edgetrainer.server.system;

import java.util.Collection;
import java.util.List;
import java.util.Locale;

import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;

/**
 * What a client is told about a JSON body Jackson could not read: the JSON path of the
 * field at fault (e.g. {@code epochs}, {@code x[2]}) and what it should have been, in
 * JSON's terms; never Jackson's message, which names Java types.
 *
 * @param field the JSON path at fault, or {@code body} when no field is
 */
record JsonProblem(String field, String detail) {

    static JsonProblem of(Throwable cause) {
        if (cause instanceof StreamConstraintsException) {
            return new JsonProblem("body",
                    "the JSON body exceeds a parser limit (number length, string length or " + "nesting depth)");
        }
        if (cause instanceof StreamReadException syntax) {
            return new JsonProblem("body", "the request body is not valid JSON" + where(syntax.getLocation()));
        }
        if (cause instanceof DatabindException mapping && !mapping.getPath().isEmpty()) {
            String field = path(mapping.getPath());
            String expected = (mapping instanceof MismatchedInputException mismatch)
                    ? " must be " + expected(mismatch.getTargetType()) : " has an unexpected value";
            String got = (mapping instanceof InvalidFormatException invalid) ? ", got \"" + invalid.getValue() + "\""
                    : "";
            return new JsonProblem(field, "'" + field + "'" + expected + got);
        }
        if (cause instanceof JacksonException jackson) {
            return new JsonProblem("body", "the JSON body cannot be read" + where(jackson.getLocation()));
        }
        return new JsonProblem("body", "the request body is missing or cannot be read");
    }

    private static String path(List<JacksonException.Reference> references) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference reference : references) {
            if (reference.getPropertyName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(reference.getPropertyName());
            }
            else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? "body" : path.toString();
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "of another type";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "an integer";
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return "a number";
        }
        if (type == String.class || type.isEnum()) {
            return (type.isEnum()) ? "one of " + enumValues(type) : "a string";
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "an object";
    }

    private static String enumValues(Class<?> type) {
        StringBuilder values = new StringBuilder();
        for (Object constant : type.getEnumConstants()) {
            values.append(values.isEmpty() ? "" : ", ").append(constant.toString().toLowerCase(Locale.ROOT));
        }
        return values.toString();
    }

    private static String where(TokenStreamLocation location) {
        return (location == null || location.getLineNr() < 0) ? ""
                : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

}
