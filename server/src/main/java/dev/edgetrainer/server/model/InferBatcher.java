package dev.edgetrainer.server.model;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.edgetrainer.model.runtime.InvalidInputException;
import dev.edgetrainer.model.runtime.ModelException;
import dev.edgetrainer.model.runtime.UnsupportedOpsException;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.server.system.EdgeProperties;

/**
 * Runs the model's infer role for requests, merging those that wait for the interpreter
 * at the same time into one batched call (micro-batching): one call on 32 samples costs
 * far less than 32 calls when the model is large. Each request still has its own task in
 * the engine's queue (its slot, its 503 when the queue is full); the first of them to
 * reach the interpreter takes the others still waiting, oldest first, up to
 * {@code edge.infer.batching.max-batch} samples, and answers them all; their own tasks
 * then find them answered. Only requests whose samples have the same shape are merged,
 * and only for a model that takes any batch size: what a request asks beyond its samples
 * ({@code top}, {@code invert}) does not reach the model. Each request gets its own rows
 * of the outputs back, before they are turned into predictions; if the merged call fails,
 * each of its requests runs alone, so a sample the model cannot take fails only its own
 * request.
 */
public final class InferBatcher {

    private final ModelEngine engine;

    private final EngineMetrics metrics;

    private final ModelInfo info;

    private final boolean merging;

    private final int maxBatch;

    private final long maxWaitNanos;

    private final Object lock = new Object();

    /** Requests not yet run, oldest first, by the shape of their samples. */
    private final Map<String, Deque<Request>> waiting = new HashMap<>();

    InferBatcher(ModelEngine engine, EngineMetrics metrics, EdgeProperties.Batching settings) {
        this.engine = engine;
        this.metrics = metrics;
        this.info = engine.info();
        // A model that insists on a batch size gains nothing: it runs sample by sample.
        this.merging = settings.enabled() && info.inferSpec().isPresent() && info.fixedBatch() < 0;
        this.maxBatch = settings.maxBatch();
        this.maxWaitNanos = settings.maxWait().toNanos();
    }

    /**
     * A request's rows of the infer role's outputs, and the weights that computed them.
     */
    public record Rows(BatchInference.Outputs outputs, WeightsRef weights) {
    }

    /**
     * Queues {@code samples} (a batch: the first dimension counts samples, already
     * checked against the model's input); {@code kind} says whose they are, and so which
     * latency they count in. The answer fails as the call would: with
     * {@link InvalidInputException} or {@link UnsupportedOpsException} when the model
     * cannot take the samples, with {@link ModelFaultException} when it fails on them.
     * @throws NotInferableException when the model has no infer role
     * @throws QueueFullException when the queue is full
     * @throws EngineStoppingException when the engine is shutting down
     */
    public CompletableFuture<Rows> infer(Tensor samples, TaskKind kind) {
        info.requireInfer();
        Request request = new Request(samples, kind);
        synchronized (lock) {
            engine.submitUntimed(kind, model -> {
                serve(model, request);
                return null;
            }).whenComplete((done, failure) -> {
                // The engine failed the task without running it (shutdown).
                if (failure != null) {
                    request.answer.completeExceptionally(failure);
                }
            });
            if (merging) {
                waiting.computeIfAbsent(request.key, key -> new ArrayDeque<>()).addLast(request);
                lock.notifyAll();
            }
        }
        return request.answer;
    }

    /** Interpreter thread: answers the request, and those merged with it. */
    private void serve(LoadedModel model, Request request) {
        if (request.answer.isDone()) {
            // Merged into an earlier call.
            return;
        }
        List<Request> batch = merging ? take(request) : List.of(request);
        try {
            if (batch.size() == 1) {
                runAlone(model, request);
            }
            else {
                runMerged(model, batch);
            }
        }
        catch (Error e) {
            batch.forEach(r -> r.answer.completeExceptionally(e));
            throw e;
        }
    }

    /**
     * Takes the request and those waiting behind it with the same shape, oldest first,
     * while they fit into a batch; waits up to the max wait for more when it is not full.
     */
    private List<Request> take(Request first) {
        synchronized (lock) {
            Deque<Request> queue = waiting.get(first.key);
            queue.removeFirstOccurrence(first);
            List<Request> batch = new ArrayList<>();
            batch.add(first);
            int samples = first.count;
            long deadline = first.queuedAt + maxWaitNanos;
            while (true) {
                while (!queue.isEmpty() && samples + queue.peekFirst().count <= maxBatch) {
                    Request next = queue.pollFirst();
                    batch.add(next);
                    samples += next.count;
                }
                long left = deadline - System.nanoTime();
                if (samples >= maxBatch || !queue.isEmpty() || left <= 0) {
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                }
                catch (InterruptedException e) {
                    break;
                }
            }
            if (queue.isEmpty()) {
                waiting.remove(first.key);
            }
            return batch;
        }
    }

    private void runMerged(LoadedModel model, List<Request> batch) {
        int total = batch.stream().mapToInt(r -> r.count).sum();
        BatchInference.Outputs outputs;
        try {
            outputs = BatchInference.run(model, info, concat(batch, total));
        }
        catch (RuntimeException e) {
            // One request's samples may be what the model cannot take: each runs alone,
            // so
            // only that request fails.
            batch.forEach(r -> runAlone(model, r));
            return;
        }
        engine.state().faultCleared("infer");
        WeightsRef weights = WeightsRef.of(engine);
        metrics.inferCall(total);
        int row = 0;
        for (Request request : batch) {
            request.answer(new Rows(outputs.rows(row, row + request.count), weights), metrics);
            row += request.count;
        }
    }

    private void runAlone(LoadedModel model, Request request) {
        try {
            BatchInference.Outputs outputs = BatchInference.run(model, info, request.samples);
            engine.state().faultCleared("infer");
            metrics.inferCall(request.count);
            request.answer(new Rows(outputs, WeightsRef.of(engine)), metrics);
        }
        catch (InvalidInputException | UnsupportedOpsException e) {
            request.answer.completeExceptionally(e);
        }
        catch (ModelException e) {
            ModelInfo.Infer spec = info.requireInfer();
            request.answer.completeExceptionally(ModelFaultException.raise(engine.state(), "infer", spec.signature(),
                    "input that fits its declared shape " + spec.input(), e));
        }
        catch (RuntimeException e) {
            request.answer.completeExceptionally(e);
        }
    }

    private static Tensor concat(List<Request> batch, int total) {
        int[] shape = batch.get(0).samples.shape();
        shape[0] = total;
        return Tensor.ofFloats(shape, BatchInference.concat(batch.stream().map(r -> r.samples.floats()).toList()));
    }

    private static final class Request {

        final Tensor samples;

        final TaskKind kind;

        final int count;

        /** Requests are merged only with requests of the same key: the sample shape. */
        final String key;

        final long queuedAt = System.nanoTime();

        final CompletableFuture<Rows> answer = new CompletableFuture<>();

        Request(Tensor samples, TaskKind kind) {
            this.samples = samples;
            this.kind = kind;
            int[] shape = samples.shape();
            this.count = shape[0];
            this.key = Arrays.toString(Arrays.copyOfRange(shape, 1, shape.length));
        }

        void answer(Rows rows, EngineMetrics metrics) {
            metrics.record(kind, System.nanoTime() - queuedAt);
            answer.complete(rows);
        }

    }

}
