package dev.edgetrainer.server.training;

import dev.edgetrainer.server.system.BadInputException;
import dev.edgetrainer.server.system.EdgeProperties;

/** How to train on a posted batch; missing values come from {@code edge.train.*}. */
record TrainingOptions(int epochs, int batchSize, boolean shuffle, boolean async) {

    static TrainingOptions of(Integer epochs, Integer batchSize, Boolean shuffle, Boolean async,
            EdgeProperties.Train defaults) {
        int e = epochs == null ? defaults.epochs() : epochs;
        int b = batchSize == null ? defaults.batchSize() : batchSize;
        if (e < 1 || e > defaults.maxEpochs()) {
            throw new BadInputException("epochs",
                    "epochs must be between 1 and " + defaults.maxEpochs() + ", got " + e);
        }
        if (b < 1) {
            throw new BadInputException("batchSize", "batchSize must be at least 1, got " + b);
        }
        return new TrainingOptions(e, b, shuffle == null ? defaults.shuffle() : shuffle, async != null && async);
    }

    /** Body values win over query parameters. */
    static TrainingOptions of(Integer epochs, Integer batchSize, Boolean shuffle, Boolean async, Integer bodyEpochs,
            Integer bodyBatchSize, Boolean bodyShuffle, Boolean bodyAsync, EdgeProperties.Train defaults) {
        return of(bodyEpochs != null ? bodyEpochs : epochs, bodyBatchSize != null ? bodyBatchSize : batchSize,
                bodyShuffle != null ? bodyShuffle : shuffle, bodyAsync != null ? bodyAsync : async, defaults);
    }
}
