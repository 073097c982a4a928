package dev.edgetrainer.model.cli;

import dev.edgetrainer.model.graph.MlpSpec;
import picocli.CommandLine.Option;

/**
 * The architecture and training options of a new model, shared by create and pretrain.
 */
final class MlpOptions {

    @Option(names = "--input", paramLabel = "SIZES", defaultValue = "28x28",
            description = "Shape of one input sample (default: ${DEFAULT-VALUE}).")
    Sizes input;

    @Option(names = "--hidden", paramLabel = "SIZES", defaultValue = "128",
            description = "Hidden layer sizes like 128,64, or none for softmax regression (default: ${DEFAULT-VALUE}).")
    Sizes hidden;

    @Option(names = "--classes", paramLabel = "N", defaultValue = "10", converter = PositiveInt.class,
            description = "Number of classes, at least 2 (default: ${DEFAULT-VALUE}).")
    int classes;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "0.01",
            description = "SGD learning rate of the train signature (default: ${DEFAULT-VALUE}).")
    float learningRate;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
            description = "Seed of the Glorot-uniform initial weights (default: ${DEFAULT-VALUE}).")
    long seed;

    /**
     * @throws IllegalArgumentException if the values do not make a model (e.g. one class)
     */
    MlpSpec spec() {
        return new MlpSpec(input.values(), hidden.values(), classes, learningRate, seed);
    }

}
