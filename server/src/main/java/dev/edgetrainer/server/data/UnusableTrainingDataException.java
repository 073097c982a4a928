package dev.edgetrainer.server.data;

import dev.edgetrainer.server.system.EdgeException;

/**
 * Well-formed training data that would wreck the model: inputs outside the range the
 * model takes, targets that are not probability distributions. Refused before the first
 * step, so the weights never see it.
 */
public class UnusableTrainingDataException extends EdgeException {

    public UnusableTrainingDataException(String field, String detail) {
        super(Kind.REJECTED, field, detail);
    }

}
