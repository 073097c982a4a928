package dev.edgetrainer.model.hosting;

import java.util.Locale;

/**
 * What the values of a model's output mean, and so what training targets and answers look
 * like. The setting's values are the lower-case names.
 */
public enum OutputKind {

    /** One probability per class (a softmax output): today's classifiers. */
    PROBABILITIES,
    /**
     * One logit per class: probabilities are their softmax, computed by the server.
     */
    LOGITS,
    /**
     * One value, the probability of the second (positive) class, as a sigmoid gives; a
     * threshold decides the class.
     */
    BINARY,
    /** Values to predict, not classes: no labels, float training targets. */
    REGRESSION;

    /** Whether the values stand for classes, with names and class-index labels. */
    public boolean isClassifier() {
        return this != REGRESSION;
    }

    /** The name an operator writes in {@code edge.model.output}. */
    public String setting() {
        return name().toLowerCase(Locale.ROOT);
    }

}
