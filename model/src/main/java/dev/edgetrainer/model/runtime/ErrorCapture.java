package dev.edgetrainer.model.runtime;

import java.util.regex.Pattern;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorflowlite.Reporter_Pointer_BytePointer_Pointer;

/**
 * Collects what TFLite reports instead of letting it print to stderr. TFLite reports on
 * the thread that called it, so each thread has its own buffer.
 *
 * <p>
 * The reporter receives a printf format and a {@code va_list}; Java cannot expand a
 * {@code va_list} portably, so the values are lost: each placeholder ({@code %d},
 * {@code %s}) is shown as {@code ?}, and TFLite's generic trailer
 * {@code Node number %d (%s) %s.} is dropped after a specific message (a Java kernel's)
 * and otherwise shown as {@value #NODE_FAILED}.
 */
final class ErrorCapture {

    private static final int MAX_CHARS = 4000;

    /** What TFLite reports after any node fails to prepare or invoke. */
    private static final String NODE_TRAILER = "Node number %d (%s) %s.";

    static final String NODE_FAILED = "an operator failed";

    /** How TFLite's kernel checks begin: source file and line. */
    private static final String CHECK_PREFIX = "%s:%d ";

    /**
     * A printf conversion (flags, width, precision, length modifier, conversion), or an
     * escaped percent sign.
     */
    private static final Pattern PLACEHOLDER = Pattern
        .compile("%%|%[-+ #0]*(\\d+|\\*)?(\\.(\\d+|\\*))?(hh|h|ll|l|L|z|j|t)?[diouxXeEfFgGaAcsp]");

    private static final ThreadLocal<StringBuilder> MESSAGES = ThreadLocal.withInitial(StringBuilder::new);

    /**
     * One callback for the whole process: it must stay reachable while any interpreter
     * built with it lives.
     */
    static final Reporter_Pointer_BytePointer_Pointer REPORTER = new Reporter_Pointer_BytePointer_Pointer() {
        @Override
        public void call(Pointer userData, BytePointer format, Pointer args) {
            try {
                if (format != null && !format.isNull()) {
                    reportFormat(format.getString().strip());
                }
            }
            catch (Throwable ignored) {
                // An exception must never unwind through TFLite's C++ frames.
            }
        }
    };

    private ErrorCapture() {
    }

    /** Records one of TFLite's format strings, its placeholders cleaned up. */
    static void reportFormat(String format) {
        if (format.equals(NODE_TRAILER)) {
            if (MESSAGES.get().isEmpty()) {
                report(NODE_FAILED);
            }
            return;
        }
        if (format.startsWith(CHECK_PREFIX)) {
            // TF_LITE_ENSURE and friends: file, line and the expression are all
            // arguments.
            report("a check in a TFLite kernel failed (" + (format.contains("!=")
                    ? "two values that must be equal " + "differ" : "a condition that must hold does not")
                    + "; its details are not available to Java)");
            return;
        }
        report(PLACEHOLDER.matcher(format).replaceAll(match -> match.group().equals("%%") ? "%" : "?"));
    }

    /**
     * Records a message of our own, e.g. from a Java kernel, as if TFLite had reported
     * it.
     */
    static void report(String message) {
        StringBuilder messages = MESSAGES.get();
        if (messages.length() < MAX_CHARS) {
            if (!messages.isEmpty()) {
                messages.append("; ");
            }
            messages.append(message);
        }
    }

    static void clear() {
        MESSAGES.get().setLength(0);
    }

    /**
     * What TFLite reported since {@link #clear()}, as {@code ": message"}, or an empty
     * string; then clears.
     */
    static String drain() {
        StringBuilder messages = MESSAGES.get();
        String text = messages.isEmpty() ? "" : ": " + messages;
        messages.setLength(0);
        return text;
    }

}
