package dev.edgetrainer.server.model;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a model that cannot be hosted into Spring Boot's startup report (a description
 * and an action) instead of a wall of stack frames. Registered in
 * {@code META-INF/spring.factories}.
 */
class ModelFailureAnalyzer extends AbstractFailureAnalyzer<ModelHostingException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ModelHostingException cause) {
        return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
    }

}
