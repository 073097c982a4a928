package dev.edgetrainer.server.training;

import dev.edgetrainer.server.system.EdgeException;

/**
 * A job the caller waited for failed. A non-finite loss is the data's or the settings'
 * doing ({@link Kind#REJECTED}; the step was undone); any other failure is ours
 * ({@link Kind#SERVER_FAULT}).
 */
public class TrainingFailedException extends EdgeException {

    public TrainingFailedException(String jobId, String error, boolean nonFiniteLoss) {
        super(nonFiniteLoss ? Kind.REJECTED : Kind.SERVER_FAULT, null, "training job " + jobId + ": " + error);
    }

}
