package dev.edgetrainer.server.system;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Caps raw request bodies (images, JSON, checkpoint uploads) at
 * {@code edge.limits.max-body}; multipart bodies are capped by the multipart settings
 * bound to the same value. The cap is enforced while the body is read, so a chunked
 * upload without a length cannot get past it; {@link ProblemHandler} answers 413.
 */
@Component
class BodyLimitFilter extends OncePerRequestFilter {

    private final long maxBody;

    BodyLimitFilter(EdgeProperties properties) {
        this.maxBody = properties.limits().maxBody().toBytes();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        chain.doFilter(new LimitedRequest(request, maxBody), response);
    }

    /**
     * Reading past the limit. An IOException, so message converters pass it on as the
     * cause of their failure.
     */
    static final class BodyTooLargeException extends IOException {

        final long limit;

        BodyTooLargeException(long limit) {
            super("the request body is larger than the limit of " + limit + " bytes (edge.limits.max-body)");
            this.limit = limit;
        }

    }

    private static final class LimitedRequest extends HttpServletRequestWrapper {

        private final long limit;

        private ServletInputStream stream;

        LimitedRequest(HttpServletRequest request, long limit) {
            super(request);
            this.limit = limit;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                stream = new LimitedStream(super.getInputStream(), limit, getContentLengthLong());
            }
            return stream;
        }

    }

    private static final class LimitedStream extends ServletInputStream {

        private final ServletInputStream in;

        private final long limit;

        private final long declared;

        private long read;

        LimitedStream(ServletInputStream in, long limit, long declared) {
            this.in = in;
            this.limit = limit;
            this.declared = declared;
        }

        @Override
        public int read() throws IOException {
            check(0);
            int b = in.read();
            if (b >= 0) {
                check(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            check(0);
            int n = in.read(buffer, offset, length);
            if (n > 0) {
                check(n);
            }
            return n;
        }

        private void check(int more) throws BodyTooLargeException {
            read += more;
            if (declared > limit || read > limit) {
                throw new BodyTooLargeException(limit);
            }
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }

    }

}
