package dev.edgetrainer.server.training;

import dev.edgetrainer.server.model.LoadedModel;

/**
 * Work another capability wraps around a training job, on the interpreter thread and in
 * the same tasks as the job's first and last steps, so no other task sees the model
 * between the hook and the step: e.g. a federated round loads the global weights before
 * the first step and puts the device's own back after the last.
 */
public interface JobHooks {

    /** User jobs: nothing around them. */
    JobHooks NONE = new JobHooks() {
    };

    /**
     * Before the first step. Throwing fails the job before any step; {@link #afterEnd}
     * still runs.
     */
    default void beforeFirstStep(LoadedModel model) {
    }

    /**
     * When the job ends, however it ends (also when it was cancelled before its first
     * step). Runs before the job is reported finished.
     */
    default void afterEnd(LoadedModel model, JobResult result) {
    }

}
