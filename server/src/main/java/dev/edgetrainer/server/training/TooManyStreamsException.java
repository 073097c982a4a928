package dev.edgetrainer.server.training;

import java.time.Duration;

import dev.edgetrainer.server.system.EdgeException;

/**
 * {@link LossHistoryPublisher#MAX_SUBSCRIBERS} loss streams are open already: the client
 * can poll the history instead or come back later.
 */
class TooManyStreamsException extends EdgeException {

    TooManyStreamsException(int open, Duration retryAfter) {
        super(Kind.BUSY, null, open + " loss streams are open already; poll /train/history instead or retry later",
                retryAfter, null);
    }

}
