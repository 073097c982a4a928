package dev.edgetrainer.server.model;

/**
 * Which weights answered: the model file's hash, the checkpoint the weights descend from
 * (null for the model's original weights) and the train steps taken since.
 */
public record WeightsRef(String modelSha256, String checkpoint, long step) {

    /** Read on the interpreter thread, so it matches the weights the task used. */
    public static WeightsRef of(ModelEngine engine) {
        return new WeightsRef(engine.info().sha256(), engine.state().checkpointId(), engine.state().step());
    }
}
