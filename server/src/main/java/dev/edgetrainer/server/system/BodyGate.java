package dev.edgetrainer.server.system;

import java.lang.reflect.Method;

/**
 * A controller that may refuse a request before its body is read, so a request that is
 * bound to fail (a training upload while a job runs: 409) costs neither the time nor the
 * memory of its body. Called by {@link BodyCollector} for each request with a body that
 * one of the controller's handler methods is about to serve.
 */
public interface BodyGate {

    /**
     * @param handler the handler method about to serve the request
     * @throws EdgeException to refuse the request
     */
    void beforeBody(Method handler);

}
