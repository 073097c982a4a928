package dev.edgetrainer.server.checkpoint;

import java.nio.file.Path;

import dev.edgetrainer.server.system.EdgeException;

/**
 * Another server holds the checkpoint directory: two servers on one directory would
 * delete each other's checkpoints and temp files. Stops this one from starting (see
 * {@link CheckpointDirectoryLockedFailureAnalyzer}).
 */
public class CheckpointDirectoryLockedException extends EdgeException {

    private final transient Path dir;

    private final String holder;

    public CheckpointDirectoryLockedException(Path dir, String holder) {
        super(Kind.SERVER_FAULT, null,
                "the checkpoint directory " + dir + " is in use by another EdgeTrainer server: " + holder);
        this.dir = dir;
        this.holder = holder;
    }

    public Path dir() {
        return dir;
    }

    public String holder() {
        return holder;
    }

}
