package dev.edgetrainer.server.inference;

import java.util.List;

import dev.edgetrainer.server.model.WeightsRef;

/** Predictions in request order, with the weights that made them. */
record InferenceResponse(List<Prediction> predictions, WeightsRef weights) {

    /**
     * @param probabilities the model's output per class, in
     * {@code edge.model.class-names} order
     * @param logits present when the model returns them
     */
    record Prediction(int index, String label, float[] probabilities, float[] logits, List<Ranked> top) {
    }

    record Ranked(int index, String label, float probability) {
    }
}
