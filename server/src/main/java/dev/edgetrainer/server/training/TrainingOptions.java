package dev.edgetrainer.server.training;

import dev.edgetrainer.server.system.BadInputException;
import dev.edgetrainer.server.system.EdgeProperties;

/**
 * How to train on a posted batch; missing values come from {@code edge.train.*} and
 * {@code edge.data.keep}.
 *
 * @param keep keep the samples in the device's sample store once the job succeeds
 */
record TrainingOptions(int epochs, int batchSize, boolean shuffle, boolean async, boolean keep) {

    static TrainingOptions of(Integer epochs, Integer batchSize, Boolean shuffle, Boolean async, Boolean keep,
            EdgeProperties defaults) {
        EdgeProperties.Train train = defaults.train();
        int e = epochs == null ? train.epochs() : epochs;
        int b = batchSize == null ? train.batchSize() : batchSize;
        if (e < 1 || e > train.maxEpochs()) {
            throw new BadInputException("epochs", "epochs must be between 1 and " + train.maxEpochs() + ", got " + e);
        }
        if (b < 1) {
            throw new BadInputException("batchSize", "batchSize must be at least 1, got " + b);
        }
        return new TrainingOptions(e, b, shuffle == null ? train.shuffle() : shuffle, async != null && async,
                keep == null ? defaults.data().keep() : keep);
    }

}
