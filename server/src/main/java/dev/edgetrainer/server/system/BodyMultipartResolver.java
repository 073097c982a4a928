package dev.edgetrainer.server.system;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.multipart.MultipartHttpServletRequest;
import org.springframework.web.multipart.MultipartResolver;
import org.springframework.web.multipart.support.DefaultMultipartHttpServletRequest;

/**
 * Multipart bodies parsed from the body {@link BodyCollector} collected (or, where it
 * does not collect, read here), not by the servlet container, so they obey the same size,
 * memory and arrival limits as every other body and their parts are views of it, not
 * copies. Parsed lazily, on the first look at a part or parameter: the token check and a
 * conflict come first. At most {@code 2 * edge.infer.max-samples + 16} parts: each image
 * of the largest inference or image training request with its label, and a few options.
 */
class BodyMultipartResolver implements MultipartResolver {

    private static final int MAX_HEADER_BYTES = 16 * 1024;

    private final MultipartBody.Limits limits;

    BodyMultipartResolver(int maxSamples) {
        this.limits = new MultipartBody.Limits(2 * maxSamples + 16, MAX_HEADER_BYTES, "a request carries at most "
                + maxSamples + " images (edge.infer.max-samples), each with a label, " + "and a few options");
    }

    @Override
    public boolean isMultipart(HttpServletRequest request) {
        String type = request.getContentType();
        return type != null && type.toLowerCase(Locale.ROOT).startsWith(MediaType.MULTIPART_FORM_DATA_VALUE);
    }

    @Override
    public MultipartHttpServletRequest resolveMultipart(HttpServletRequest request) {
        return new LazyMultipartRequest(request);
    }

    @Override
    public void cleanupMultipart(MultipartHttpServletRequest request) {
        // Parts are views of the body; the body goes with the request.
    }

    private final class LazyMultipartRequest extends DefaultMultipartHttpServletRequest {

        LazyMultipartRequest(HttpServletRequest request) {
            super(request);
        }

        @Override
        protected void initializeMultipart() {
            MultiValueMap<String, MultipartFile> files = new LinkedMultiValueMap<>();
            MultiValueMap<String, String> fields = new LinkedMultiValueMap<>();
            Map<String, String> fieldTypes = new LinkedHashMap<>();
            for (MultipartBody.Part part : MultipartBody.parse(body(), boundary(), limits)) {
                if (part.isFile()) {
                    files.add(part.name(), part);
                }
                else {
                    fields.add(part.name(), part.text());
                    fieldTypes.put(part.name(), part.contentType());
                }
            }
            Map<String, String[]> parameters = new LinkedHashMap<>();
            fields.forEach((name, values) -> parameters.put(name, values.toArray(String[]::new)));
            setMultipartFiles(files);
            setMultipartParameters(parameters);
            setMultipartParameterContentTypes(fieldTypes);
        }

        private CollectedBody body() {
            HttpServletRequest request = getRequest();
            CollectedBody body = (CollectedBody) request.getAttribute(CollectedBody.ATTRIBUTE);
            if (body != null) {
                return body;
            }
            body = new CollectedBody(RequestMemory.current(), request.getContentLengthLong());
            try {
                body.readAll(request.getInputStream());
            }
            catch (BodyLimitFilter.BodyTooLargeException e) {
                throw new InputTooLargeException("body", e.getMessage());
            }
            catch (IOException e) {
                throw new BadInputException("body", "the multipart body cannot be read: " + e.getMessage());
            }
            return body;
        }

        private String boundary() {
            String boundary;
            try {
                boundary = MediaType.parseMediaType(getContentType()).getParameter("boundary");
            }
            catch (InvalidMediaTypeException e) {
                boundary = null;
            }
            if (boundary == null || boundary.isEmpty()) {
                throw new BadInputException("Content-Type", "a multipart/form-data body needs a boundary parameter");
            }
            return (boundary.length() > 1 && boundary.startsWith("\"") && boundary.endsWith("\""))
                    ? boundary.substring(1, boundary.length() - 1) : boundary;
        }

    }

}
