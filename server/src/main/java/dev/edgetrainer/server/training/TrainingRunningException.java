package dev.edgetrainer.server.training;

import dev.edgetrainer.server.system.EdgeException;

/**
 * A job was posted while another runs: two jobs interleaving steps on one set of weights
 * would only make both meaningless.
 */
public class TrainingRunningException extends EdgeException {

    public TrainingRunningException(String runningJob) {
        super(Kind.CONFLICT, null,
                "training job " + runningJob + " is still running; poll /train/jobs/" + runningJob + " or DELETE it");
    }

}
