package dev.edgetrainer.server.model;

/** What a task on the interpreter thread does; latency is measured per kind. */
public enum TaskKind {

    INFER, TRAIN_STEP, CHECKPOINT, EVALUATE

}
