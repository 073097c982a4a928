package dev.edgetrainer.model.io;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256, which every JVM has, so its absence is a bug and not a condition to handle.
 */
public final class Sha256 {

    private Sha256() {
    }

    public static byte[] digest(byte[] data) {
        return digest(data, data.length);
    }

    /** The digest of the first {@code length} bytes. */
    public static byte[] digest(byte[] data, int length) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(data, 0, length);
            return digest.digest();
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String hex(byte[] data) {
        return HexFormat.of().formatHex(digest(data));
    }

}
