package dev.edgetrainer.server.checkpoint;

import java.util.concurrent.CompletableFuture;

import dev.edgetrainer.server.model.ModelTask;
import dev.edgetrainer.server.model.TaskKind;

/**
 * How a checkpoint task reaches the interpreter: {@code ModelEngine::submit} for a
 * request, which may be refused when the queue is full, or
 * {@code ModelEngine::submitFollowUp} for work admitted already (startup, auto-save).
 */
interface Submitter {

    <T> CompletableFuture<T> submit(TaskKind kind, ModelTask<T> task);

}
