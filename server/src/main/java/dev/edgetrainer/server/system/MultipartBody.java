package dev.edgetrainer.server.system;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.springframework.http.ContentDisposition;
import org.springframework.web.multipart.MultipartFile;

/**
 * Splits a {@code multipart/form-data} body (RFC 7578) held in a {@link CollectedBody}
 * into its parts, which stay views of the body: nothing is copied unless a caller asks
 * for a part's bytes. The number of parts and the size of their headers are bounded, so a
 * body of many tiny parts is refused early and clearly.
 */
final class MultipartBody {

    private static final byte[] CRLF = { '\r', '\n' };

    private static final byte[] HEADERS_END = { '\r', '\n', '\r', '\n' };

    private MultipartBody() {
    }

    /** The limits a body is parsed under. */
    record Limits(int maxParts, int maxHeaderBytes, String maxPartsReason) {
    }

    /** One part: its form-data name, file name (null for a field) and where it lies. */
    record Part(String name, String filename, String contentType, CollectedBody body, long from,
            long to) implements MultipartFile {

        boolean isFile() {
            return filename != null;
        }

        String text() {
            return new String(body.copy(from, to, name), StandardCharsets.UTF_8);
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public String getOriginalFilename() {
            return filename;
        }

        @Override
        public String getContentType() {
            return contentType;
        }

        @Override
        public boolean isEmpty() {
            return from == to;
        }

        @Override
        public long getSize() {
            return to - from;
        }

        @Override
        public byte[] getBytes() {
            return body.copy(from, to, name);
        }

        @Override
        public InputStream getInputStream() {
            return body.stream(from, to);
        }

        @Override
        public void transferTo(File dest) throws IOException {
            try (InputStream in = getInputStream()) {
                Files.copy(in, dest.toPath(), StandardCopyOption.REPLACE_EXISTING);
            }
        }

    }

    /**
     * @throws BadInputException when the body is not well-formed multipart
     * @throws InputTooLargeException when it has more parts than {@code limits} allow
     */
    static List<Part> parse(CollectedBody body, String boundary, Limits limits) {
        byte[] dashBoundary = ("--" + boundary).getBytes(StandardCharsets.US_ASCII);
        byte[] delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.US_ASCII);
        // The first boundary may follow a preamble, which is ignored.
        long first = startsWith(body, 0, dashBoundary) ? 0 : body.indexOf(delimiter, 0);
        if (first < 0) {
            throw malformed("it does not contain its boundary '" + boundary + "'");
        }
        long position = (first == 0 && startsWith(body, 0, dashBoundary)) ? 0 : first + 2;
        List<Part> parts = new ArrayList<>();
        while (true) {
            position += dashBoundary.length;
            if (startsWith(body, position, new byte[] { '-', '-' })) {
                return parts;
            }
            while (position < body.length() && (body.byteAt(position) == ' ' || body.byteAt(position) == '\t')) {
                position++;
            }
            if (!startsWith(body, position, CRLF)) {
                throw malformed("a boundary is not followed by a line break");
            }
            if (parts.size() == limits.maxParts()) {
                throw new InputTooLargeException("body",
                        "the multipart body has more than " + limits.maxParts() + " parts; " + limits.maxPartsReason());
            }
            long headersEnd = body.indexOf(HEADERS_END, position);
            if (headersEnd < 0 || headersEnd - position > limits.maxHeaderBytes()) {
                throw malformed((headersEnd < 0) ? "a part's headers do not end"
                        : "a part's headers are longer than " + limits.maxHeaderBytes() + " bytes");
            }
            long dataStart = headersEnd + HEADERS_END.length;
            long next = body.indexOf(delimiter, dataStart);
            if (next < 0) {
                throw malformed("it ends before its closing boundary");
            }
            parts.add(part(new String(body.copy(position + 2, headersEnd + 2, "body"), StandardCharsets.UTF_8), body,
                    dataStart, next));
            position = next + 2;
        }
    }

    private static Part part(String headers, CollectedBody body, long from, long to) {
        ContentDisposition disposition = null;
        String contentType = null;
        for (String line : headers.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (name.equals("content-disposition")) {
                try {
                    disposition = ContentDisposition.parse(value);
                }
                catch (IllegalArgumentException e) {
                    throw malformed("a part's Content-Disposition cannot be read: " + value);
                }
            }
            else if (name.equals("content-type")) {
                contentType = value;
            }
        }
        if (disposition == null || !disposition.isFormData() || disposition.getName() == null) {
            throw malformed("every part needs 'Content-Disposition: form-data; name=...'");
        }
        return new Part(disposition.getName(), disposition.getFilename(), contentType, body, from, to);
    }

    private static boolean startsWith(CollectedBody body, long at, byte[] prefix) {
        if (at < 0 || at + prefix.length > body.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (body.byteAt(at + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static BadInputException malformed(String why) {
        return new BadInputException("body", "the multipart body cannot be read: " + why);
    }

}
