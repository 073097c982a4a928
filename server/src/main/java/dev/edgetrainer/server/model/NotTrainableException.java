package dev.edgetrainer.server.model;

import java.util.List;

import dev.edgetrainer.server.system.EdgeException;

/** The hosted model has no {@code train(x, y)} signature this server can drive. */
public class NotTrainableException extends EdgeException {

    public NotTrainableException(List<String> signatures) {
        super(Kind.CONFLICT, null,
                "this model has no trainable 'train(x, y)' signature; its signatures are " + signatures);
    }

}
