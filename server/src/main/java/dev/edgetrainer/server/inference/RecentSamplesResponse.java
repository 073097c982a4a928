package dev.edgetrainer.server.inference;

import java.time.Instant;
import java.util.List;

import dev.edgetrainer.server.model.WeightsRef;

/**
 * The dashboard's grid: recent samples, newest first, each with what the current weights
 * predict.
 *
 * @param images false for models whose input is not a small grayscale image: none are
 * kept
 * @param weights the weights that made the predictions; null when there are no samples
 */
record RecentSamplesResponse(boolean images, List<RecentSample> samples, WeightsRef weights) {

    /**
     * @param image the sample as the model sees it, a PNG {@code data:} URL
     * @param source {@code infer} or {@code train}
     * @param predicted a classifier's predicted class; null for a regression model
     * @param values a regression model's values; null for a classifier
     * @param truth the class it was trained with; null for inferences and values
     * @param correct whether the predicted class is the truth; null when there is none
     */
    record RecentSample(String image, String source, Instant at, InferenceResponse.Ranked predicted, float[] values,
            Truth truth, Boolean correct) {
    }

    record Truth(int index, String label) {
    }

}
