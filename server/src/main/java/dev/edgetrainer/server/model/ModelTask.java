package dev.edgetrainer.server.model;

/**
 * Work for the interpreter thread. It receives the model, which it must not keep or hand
 * to another thread.
 */
@FunctionalInterface
public interface ModelTask<T> {

    T run(LoadedModel model) throws Exception;

}
