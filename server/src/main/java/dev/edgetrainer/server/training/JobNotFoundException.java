package dev.edgetrainer.server.training;

import dev.edgetrainer.server.system.EdgeException;

/** No training job has this id, or it finished so long ago that it was forgotten. */
public class JobNotFoundException extends EdgeException {

    public JobNotFoundException(String id, int jobsKept) {
        super(Kind.NOT_FOUND, "id", "there is no training job '" + id + "' (finished jobs are kept: " + jobsKept + ")");
    }

}
