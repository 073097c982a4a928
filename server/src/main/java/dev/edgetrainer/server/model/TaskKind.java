package dev.edgetrainer.server.model;

/** What a task on the interpreter thread does; latency is measured per kind. */
public enum TaskKind {

    INFER, TRAIN_STEP, CHECKPOINT, EVALUATE,

    /**
     * The dashboard's own predictions of its recent samples: not timed, so
     * {@code edge.infer.latency} counts only what clients asked.
     */
    DASHBOARD

}
