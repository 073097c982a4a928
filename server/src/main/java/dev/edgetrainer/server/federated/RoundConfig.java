package dev.edgetrainer.server.federated;

import java.util.Map;

import dev.edgetrainer.server.federated.proto.Scalar;
import dev.edgetrainer.server.system.BadInputException;
import dev.edgetrainer.server.system.EdgeProperties;

/**
 * What a round's {@code config} may set: {@code epochs} ({@code local_epochs}) and
 * {@code batch_size} override {@code edge.federated.*}; {@code round}
 * ({@code server_round}, {@code current_round}) is the server's round number, as Flower's
 * examples name it.
 *
 * @param round the server's round number; null when the config does not say
 */
record RoundConfig(int epochs, int batchSize, Long round) {

    static RoundConfig of(Map<String, Scalar> config, EdgeProperties.Federated defaults, int maxEpochs) {
        Long epochs = integer(config, "epochs", "local_epochs");
        Long batchSize = integer(config, "batch_size", "batchSize");
        Long round = integer(config, "round", "server_round", "current_round");
        if (epochs != null && (epochs < 1 || epochs > maxEpochs)) {
            throw new BadInputException("config.epochs",
                    "epochs must be between 1 and " + maxEpochs + ", got " + epochs);
        }
        if (batchSize != null && (batchSize < 1 || batchSize > 100_000)) {
            throw new BadInputException("config.batch_size",
                    "batch_size must be between 1 and 100000, got " + batchSize);
        }
        return new RoundConfig(epochs == null ? defaults.epochs() : epochs.intValue(),
                batchSize == null ? defaults.batchSize() : batchSize.intValue(), round);
    }

    /** The first of the keys that is set, as a whole number. */
    private static Long integer(Map<String, Scalar> config, String... keys) {
        for (String key : keys) {
            Scalar value = config.get(key);
            if (value == null) {
                continue;
            }
            switch (value.getScalarCase()) {
                case SINT64:
                    return value.getSint64();
                case UINT64:
                    return value.getUint64();
                case DOUBLE:
                    if (value.getDouble() == Math.rint(value.getDouble()) && Math.abs(value.getDouble()) < 1e15) {
                        return (long) value.getDouble();
                    }
                    break;
                default:
                    break;
            }
            throw new BadInputException("config." + key,
                    "config '" + key + "' must be a whole number, got " + value.toString().trim());
        }
        return null;
    }

}
