package dev.edgetrainer.server.system;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ReadListener;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.http.HttpHeaders;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.multipart.MultipartHttpServletRequest;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Lets a request body arrive before a thread serves it. Blocking reads would hold one of
 * Tomcat's threads per sender for as long as the sender likes, so a hundred clients
 * sending a byte a second would starve everyone, the health probes included. Instead,
 * once a handler is chosen (and a {@link BodyGate} had its say), the body is read without
 * blocking into a {@link CollectedBody}, whose chunks are reserved from the request's
 * memory as they fill; when it is complete a container thread serves the request from
 * memory, handing it to the dispatcher servlet again (not dispatching it through the
 * container, which cannot route a path with an encoded slash back). A body must arrive at
 * {@code edge.limits.body-min-rate} on average after {@code edge.limits.body-grace}, else
 * the request is answered 408 and its connection closed; a connection that goes quiet is
 * dropped by Tomcat's connection timeout.
 * <p>
 * Only on the embedded server: MockMvc's request bodies are in memory already and its
 * streams cannot be read asynchronously, so there the handler reads them directly.
 */
final class BodyCollector implements HandlerInterceptor {

    private static final Logger log = LoggerFactory.getLogger(BodyCollector.class);

    private static final Duration WARNING_INTERVAL = Duration.ofMinutes(1);

    private final boolean asynchronous;

    private final long minRate;

    private final long graceNanos;

    private final HandlerExceptionResolver errors;

    private final Supplier<Servlet> dispatcher;

    private final Semaphore acknowledging;

    private final AtomicLong cutOff = new AtomicLong();

    private final AtomicLong warnedAt = new AtomicLong();

    private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARNING_INTERVAL.toNanos());

    private final Duration retryAfter;

    /**
     * @param asynchronous whether bodies are read without blocking (the embedded server)
     * @param errors writes a refusal as {@link ProblemHandler} writes every error
     * @param dispatcher serves a request once its body is in
     * @param maxAcknowledging threads that may wait for the first bytes of a body after a
     * 100 Continue
     */
    BodyCollector(EdgeProperties properties, boolean asynchronous, HandlerExceptionResolver errors,
            Supplier<Servlet> dispatcher, int maxAcknowledging) {
        this.asynchronous = asynchronous;
        this.minRate = properties.limits().bodyMinRate().toBytes();
        this.graceNanos = properties.limits().bodyGrace().toNanos();
        this.errors = errors;
        this.dispatcher = dispatcher;
        this.acknowledging = new Semaphore(maxAcknowledging);
        this.retryAfter = properties.queue().retryAfter();
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        // Error pages and a request served again after its body arrived have it already.
        if (request.getDispatcherType() != DispatcherType.REQUEST
                || request.getAttribute(CollectedBody.ATTRIBUTE) != null || !hasBody(request)) {
            return true;
        }
        if (handler instanceof HandlerMethod method && method.getBean() instanceof BodyGate gate) {
            gate.beforeBody(method.getMethod());
        }
        if (!asynchronous) {
            return true;
        }
        // The multipart wrapper is made again, around the collected body, on the second
        // dispatch.
        HttpServletRequest plain = (request instanceof MultipartHttpServletRequest
                && request instanceof HttpServletRequestWrapper wrapper) ? (HttpServletRequest) wrapper.getRequest()
                        : request;
        RequestMemory memory = RequestMemory.current();
        CollectedBody body = new CollectedBody(memory, plain.getContentLengthLong());
        if (expectsContinue(plain) && acknowledgeByReading(plain, body)) {
            return true;
        }
        AsyncContext async = plain.startAsync();
        // No deadline for the whole: the rate check and Tomcat's connection timeout end a
        // body that stalls, and the handler may take as long as it needs.
        async.setTimeout(0);
        Arrival arrival = new Arrival(plain, response, handler, body, memory, async);
        async.addListener(arrival);
        try {
            plain.getInputStream().setReadListener(arrival);
        }
        catch (IOException e) {
            arrival.fail(e);
        }
        return false;
    }

    /** Request bodies dropped because they arrived too slowly or stalled. */
    long cutOffBodies() {
        return cutOff.get();
    }

    /**
     * Counts a body dropped for its pace, and says so in the log at most once a minute: a
     * device trickled at by many clients should not also fill its SD card with it.
     */
    private void cutOff() {
        long total = cutOff.incrementAndGet();
        long now = System.nanoTime();
        long last = lastWarning.get();
        if (now - last > WARNING_INTERVAL.toNanos() && lastWarning.compareAndSet(last, now)) {
            long since = total - warnedAt.getAndSet(total);
            log.warn("Dropped {} request bodies in the last minute or so that arrived below edge.limits.body-min-rate "
                    + "or stalled ({} since startup)", since, total);
        }
    }

    private static boolean hasBody(HttpServletRequest request) {
        return request.getContentLengthLong() > 0 || request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
    }

    private static boolean expectsContinue(HttpServletRequest request) {
        return "100-continue".equalsIgnoreCase(request.getHeader(HttpHeaders.EXPECT));
    }

    /**
     * A client that sent {@code Expect: 100-continue} waits for the 100 before it sends
     * its body, and Tomcat sends it only on a read that may block (Tomcat's
     * {@code continueResponseTiming} is {@code onRead}, so that what is refused before
     * its body never makes the client send it). So the first bytes are read blocking, by
     * a bounded number of threads at a time ({@code acknowledging}); a client that then
     * sends nothing holds one until the connection timeout.
     * @return whether the body is complete already
     * @throws ServerBusyException when as many clients are being asked for their body as
     * may be
     */
    private boolean acknowledgeByReading(HttpServletRequest request, CollectedBody body) {
        if (!acknowledging.tryAcquire()) {
            throw new ServerBusyException("too many clients are being asked for their request bodies", retryAfter);
        }
        try {
            return body.readFrom(request.getInputStream()) < 0;
        }
        catch (IOException e) {
            EdgeException refusal = refusal(e);
            if (refusal instanceof BodyTooSlowException) {
                cutOff();
            }
            if (refusal != null) {
                throw refusal;
            }
            throw new BadInputException("body", "the request body stopped arriving: " + e.getMessage());
        }
        finally {
            acknowledging.release();
        }
    }

    /** What to answer a body that cannot arrive; null when its sender is gone. */
    private static EdgeException refusal(Throwable failure) {
        if (failure instanceof EdgeException edge) {
            return edge;
        }
        if (failure instanceof BodyLimitFilter.BodyTooLargeException tooLarge) {
            return new InputTooLargeException("body", tooLarge.getMessage());
        }
        if (failure instanceof SocketTimeoutException) {
            return new BodyTooSlowException("the body stopped arriving (no data within the connection timeout)");
        }
        return null;
    }

    /** Reads one body as it arrives; Tomcat calls it on one thread at a time. */
    private final class Arrival implements ReadListener, AsyncListener {

        private final HttpServletRequest request;

        private final HttpServletResponse response;

        private final Object handler;

        private final CollectedBody body;

        private final RequestMemory memory;

        private final AsyncContext async;

        private final long started = System.nanoTime();

        private boolean over;

        Arrival(HttpServletRequest request, HttpServletResponse response, Object handler, CollectedBody body,
                RequestMemory memory, AsyncContext async) {
            this.request = request;
            this.response = response;
            this.handler = handler;
            this.body = body;
            this.memory = memory;
            this.async = async;
        }

        @Override
        public void onDataAvailable() throws IOException {
            ServletInputStream in = request.getInputStream();
            try {
                while (!over && in.isReady()) {
                    if (body.readFrom(in) < 0) {
                        return;
                    }
                    checkRate();
                }
            }
            catch (IOException | EdgeException e) {
                fail(e);
            }
        }

        private void checkRate() {
            long elapsed = System.nanoTime() - started;
            if (elapsed > graceNanos && body.length() < minRate * (elapsed - graceNanos) / 1_000_000_000L) {
                throw new BodyTooSlowException("the body arrived at " + rate(elapsed) + " bytes/s; after the first "
                        + Duration.ofNanos(graceNanos).toSeconds() + " s it must average at least " + minRate
                        + " bytes/s (edge.limits.body-min-rate)");
            }
        }

        private long rate(long elapsed) {
            return body.length() * 1_000_000_000L / Math.max(1, elapsed);
        }

        @Override
        public void onAllDataRead() {
            if (!over) {
                over = true;
                request.setAttribute(CollectedBody.ATTRIBUTE, body);
                async.start(this::serve);
            }
        }

        /** Serves the request, its body in memory, on a container thread. */
        private void serve() {
            try (RequestMemory.Scope bound = memory.bind()) {
                dispatcher.get().service(new CollectedRequest(request, body), response);
            }
            catch (ServletException | IOException e) {
                // The problem handler answers every exception; only a failure to write
                // the answer gets here.
                log.debug("Serving a request after its body arrived failed: {}", e.toString());
            }
            finally {
                async.complete();
            }
        }

        @Override
        public void onError(Throwable failure) {
            fail(failure);
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            // No timeout is set.
        }

        @Override
        public void onError(AsyncEvent event) {
            fail(event.getThrowable());
        }

        @Override
        public void onComplete(AsyncEvent event) {
            over = true;
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // Not started again.
        }

        /**
         * Answers a body that cannot arrive with a problem, unless its sender is gone,
         * and drops the connection: the rest of the body is not worth reading.
         */
        void fail(Throwable failure) {
            if (over) {
                return;
            }
            over = true;
            EdgeException refusal = refusal(failure);
            if (refusal instanceof BodyTooSlowException) {
                cutOff();
            }
            if (refusal != null && !response.isCommitted()) {
                response.setHeader(HttpHeaders.CONNECTION, "close");
                errors.resolveException(request, response, handler, refusal);
            }
            else {
                log.debug("A request body stopped arriving: {}", failure.toString());
            }
            async.complete();
        }

    }

    /** The request as the handler sees it: its body comes from memory. */
    private static final class CollectedRequest extends HttpServletRequestWrapper {

        private final CollectedBody body;

        private ServletInputStream stream;

        CollectedRequest(HttpServletRequest request, CollectedBody body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            if (stream == null) {
                stream = body.servletStream();
            }
            return stream;
        }

        @Override
        public BufferedReader getReader() throws IOException {
            String charset = getCharacterEncoding();
            return new BufferedReader(new InputStreamReader(getInputStream(), (charset != null) ? charset : "UTF-8"));
        }

    }

}
