package dev.edgetrainer.server.model;

import java.util.List;

import dev.edgetrainer.server.system.EdgeException;

/**
 * The hosted model has no usable infer role (Flower's models, for one, have none): the
 * model cannot answer, whatever the request.
 */
public class NotInferableException extends EdgeException {

    public NotInferableException(String why, List<String> signatures) {
        super(Kind.NOT_IMPLEMENTED, null, "this model cannot infer: " + why + "; its signatures are " + signatures
                + ". If one of them infers, set edge.model.signatures.infer to its name");
    }

}
