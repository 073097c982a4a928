package dev.edgetrainer.server.model;

import dev.edgetrainer.server.system.EdgeException;

/**
 * The weights belong to a running training job: replacing them now would be undone by the
 * job's rollback or mixed with its remaining steps.
 */
public class WeightsBusyException extends EdgeException {

    public WeightsBusyException(String jobId, String action) {
        super(Kind.CONFLICT, null, "training job " + jobId + " is running; cancel it (DELETE /train/jobs/" + jobId
                + ") or wait for it to end before " + action);
    }

}
