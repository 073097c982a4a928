package dev.edgetrainer.server.checkpoint;

import java.nio.charset.StandardCharsets;

import dev.edgetrainer.model.io.Sha256;

/**
 * A small file of the store (a manifest, the record of the current checkpoint): one line
 * of JSON, then a line with the SHA-256 of the first. A flipped bit or a cut anywhere
 * shows when it is read, before anything it says is believed.
 */
final class ChecksummedLine {

    private static final String CHECKSUM = "sha256=";

    private ChecksummedLine() {
    }

    static byte[] seal(String line) {
        return (line + "\n" + CHECKSUM + Sha256.hex(line.getBytes(StandardCharsets.UTF_8)) + "\n")
            .getBytes(StandardCharsets.UTF_8);
    }

    /** The line, or null when the checksum is missing or does not match. */
    static String verified(String text) {
        String[] lines = text.split("\n");
        if (lines.length != 2 || !lines[1].equals(CHECKSUM + Sha256.hex(lines[0].getBytes(StandardCharsets.UTF_8)))) {
            return null;
        }
        return lines[0];
    }

    /** One line and no checksum: written before the store sealed its files. */
    static boolean unsealed(String text) {
        return text.indexOf('\n') < 0 || text.indexOf('\n') == text.length() - 1;
    }

}
