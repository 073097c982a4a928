package dev.edgetrainer.model.flex;

/**
 * A Flex kernel refused its inputs or failed; the message becomes TFLite's error for the
 * node.
 */
class FlexOpException extends RuntimeException {

    FlexOpException(String message) {
        super(message);
    }

}
