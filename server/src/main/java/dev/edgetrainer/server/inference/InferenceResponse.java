package dev.edgetrainer.server.inference;

import java.util.List;

import dev.edgetrainer.server.model.WeightsRef;

/**
 * Predictions in request order (the n-th answers the n-th sample), with the weights that
 * made them.
 *
 * @param output what the model's values are ({@code edge.model.output}):
 * {@code probabilities}, {@code logits}, {@code binary} or {@code regression}
 * @param threshold for binary models, the probability from which the second class is
 * predicted
 */
record InferenceResponse(String output, Double threshold, List<Prediction> predictions, WeightsRef weights) {

    /**
     * One sample's answer. A classifier fills the class fields, a regression model
     * {@code values}.
     *
     * @param label the predicted class's name
     * @param classIndex the predicted class's index in {@code edge.model.class-names}
     * @param probability the predicted class's probability
     * @param probabilities one per class, in {@code edge.model.class-names} order
     * @param logits as the model returns them, when it does
     * @param top the most probable classes, best first
     * @param values a regression model's values, as the model returns them
     */
    record Prediction(String label, Integer classIndex, Float probability, float[] probabilities, float[] logits,
            List<Ranked> top, float[] values) {

        static Prediction values(float[] values) {
            return new Prediction(null, null, null, null, null, null, values);
        }

    }

    /** A class: its index in {@code edge.model.class-names}, name and probability. */
    record Ranked(int index, String label, float probability) {
    }
}
