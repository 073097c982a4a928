package dev.edgetrainer.server.training;

import dev.edgetrainer.server.system.EdgeException;

/**
 * A job the caller waited for failed, and the weights were put back as they were before
 * it. A step or weights that blew up are the data's or the settings' doing
 * ({@link Kind#REJECTED}); any other failure is ours ({@link Kind#SERVER_FAULT}).
 */
public class TrainingFailedException extends EdgeException {

    public TrainingFailedException(String jobId, String error, boolean blewUp) {
        super(blewUp ? Kind.REJECTED : Kind.SERVER_FAULT, null, "training job " + jobId + ": " + error);
    }

}
