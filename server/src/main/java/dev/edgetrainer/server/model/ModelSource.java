package dev.edgetrainer.server.model;

/**
 * The bytes of the hosted model and where they came from (a path or
 * {@code classpath:...}).
 */
public record ModelSource(String name, byte[] bytes) {
}
