package dev.edgetrainer.server.checkpoint;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Says why a server refused to start on a checkpoint directory another one holds, who
 * holds it, and what to do, instead of a stack trace.
 */
class CheckpointDirectoryLockedFailureAnalyzer extends AbstractFailureAnalyzer<CheckpointDirectoryLockedException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, CheckpointDirectoryLockedException cause) {
        return new FailureAnalysis(
                "The checkpoint directory " + cause.dir() + " is locked by another EdgeTrainer server: "
                        + cause.holder() + ". Two servers on one directory would delete each other's checkpoints.",
                "Stop the other server, or give this one a directory of its own with edge.checkpoint.dir "
                        + "(environment variable EDGE_CHECKPOINT_DIR).",
                cause);
    }

}
