package dev.edgetrainer.model.runtime;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorflowlite.Reporter_Pointer_BytePointer_Pointer;

/**
 * Collects what TFLite reports instead of letting it print to stderr. TFLite reports on
 * the thread that called it, so each thread has its own buffer.
 *
 * <p>
 * The reporter receives a printf format and a {@code va_list}; Java cannot expand a
 * {@code va_list} portably, so the message is TFLite's format text with its placeholders
 * ({@code %d}, {@code %s}) left in.
 */
final class ErrorCapture {

    private static final int MAX_CHARS = 4000;

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
                    report(format.getString().strip());
                }
            }
            catch (Throwable ignored) {
                // An exception must never unwind through TFLite's C++ frames.
            }
        }
    };

    private ErrorCapture() {
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
