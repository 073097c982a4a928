package dev.edgetrainer.server.system;

import java.io.IOException;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
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
 * What every request gets before anything reads its body: a cap on the body at
 * {@code edge.limits.max-body} (raw or multipart), enforced while it is read, so a
 * chunked upload without a length cannot get past it ({@link ProblemHandler} answers
 * 413); and its {@link RequestMemory}, bound to the thread that serves the request and
 * returned to the {@link MemoryBudget} when the request ends, asynchronous part included.
 */
@Component
class BodyLimitFilter extends OncePerRequestFilter {

    private final long maxBody;

    private final MemoryBudget budget;

    BodyLimitFilter(EdgeProperties properties, MemoryBudget budget) {
        this.maxBody = properties.limits().maxBody().toBytes();
        this.budget = budget;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        RequestMemory memory = budget.open();
        try (RequestMemory.Scope bound = memory.bind()) {
            chain.doFilter(new LimitedRequest(request, maxBody), response);
        }
        finally {
            if (request.isAsyncStarted()) {
                request.getAsyncContext().addListener(new Release(memory));
            }
            else {
                memory.close();
            }
        }
    }

    /** Returns a request's memory when its asynchronous part ends, however it ends. */
    private record Release(RequestMemory memory) implements AsyncListener {

        @Override
        public void onComplete(AsyncEvent event) {
            memory.close();
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            // onComplete follows.
        }

        @Override
        public void onError(AsyncEvent event) {
            // onComplete follows.
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            event.getAsyncContext().addListener(this);
        }

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
