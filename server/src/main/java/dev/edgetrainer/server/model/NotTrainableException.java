package dev.edgetrainer.server.model;

import java.util.List;

import dev.edgetrainer.server.system.EdgeException;

/**
 * The hosted model has no train role this server can drive: the model cannot do it,
 * whatever the request.
 */
public class NotTrainableException extends EdgeException {

    public NotTrainableException(String why, List<String> signatures) {
        super(Kind.NOT_IMPLEMENTED, null, "this model cannot train: " + why + "; its signatures are " + signatures
                + ". If one of them trains on (x, y), set edge.model.signatures.train to its name");
    }

}
