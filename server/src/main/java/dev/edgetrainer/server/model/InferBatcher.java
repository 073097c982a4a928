package dev.edgetrainer.server.model;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.edgetrainer.model.tensor.DataType;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.server.system.BadInputException;
import dev.edgetrainer.server.system.EdgeProperties;

/**
 * Runs the model's {@code infer} signature for requests, merging those that wait for the
 * interpreter at the same time into one batched call (micro-batching): one call on 32
 * samples costs far less than 32 calls when the model is large. Each request still has
 * its own task in the engine's queue (its slot, its 503 when the queue is full); the
 * first of them to reach the interpreter takes the others still waiting, oldest first, up
 * to {@code edge.infer.batching.max-batch} samples, and answers them all; their own tasks
 * then find them answered. Only requests whose samples have the same shape are merged,
 * and only for a model that takes any batch size: what a request asks beyond its samples
 * ({@code top}, {@code invert}) does not reach the model. Each request gets its own rows
 * of the outputs back; if the merged call fails, each of its requests runs alone, so a
 * sample the model cannot take fails only its own request.
 */
public final class InferBatcher {

    private final ModelEngine engine;

    private final EngineMetrics metrics;

    private final ModelInfo.Infer spec;

    private final int fixedBatch;

    private final boolean merging;

    private final int maxBatch;

    private final long maxWaitNanos;

    private final Object lock = new Object();

    /** Requests not yet run, oldest first, by the shape of their samples. */
    private final Map<String, Deque<Request>> waiting = new HashMap<>();

    InferBatcher(ModelEngine engine, EngineMetrics metrics, EdgeProperties.Batching settings) {
        this.engine = engine;
        this.metrics = metrics;
        this.spec = engine.info().infer();
        this.fixedBatch = engine.info().fixedBatch();
        // A model that insists on a batch size gains nothing: it runs sample by sample.
        this.merging = settings.enabled() && fixedBatch < 0;
        this.maxBatch = settings.maxBatch();
        this.maxWaitNanos = settings.maxWait().toNanos();
    }

    /**
     * A request's rows of each float32 output of {@code infer}, by name in the
     * signature's order, and the weights that computed them.
     */
    public record Rows(Map<String, Tensor> outputs, WeightsRef weights) {
    }

    /**
     * Queues {@code samples} (a batch: the first dimension counts samples, already
     * checked against the model's input).
     * @throws QueueFullException when the queue is full
     * @throws EngineStoppingException when the engine is shutting down
     */
    public CompletableFuture<Rows> infer(Tensor samples) {
        Request request = new Request(samples);
        synchronized (lock) {
            engine.submitUntimed(TaskKind.INFER, model -> {
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
        Map<String, Tensor> outputs;
        try {
            outputs = floatOutputs(call(model, concat(batch, total)));
        }
        catch (RuntimeException e) {
            // One request's samples may be what the model cannot take: each runs alone,
            // so
            // only that request fails.
            batch.forEach(r -> runAlone(model, r));
            return;
        }
        if (!outputs.values().stream().allMatch(t -> t.rank() > 0 && t.shape()[0] == total)) {
            // Outputs that are not one row per sample cannot be split between requests.
            batch.forEach(r -> runAlone(model, r));
            return;
        }
        WeightsRef weights = WeightsRef.of(engine);
        metrics.inferCall(total);
        int row = 0;
        for (Request request : batch) {
            request.answer(new Rows(slice(outputs, row, row + request.count), weights), metrics);
            row += request.count;
        }
    }

    private void runAlone(LoadedModel model, Request request) {
        try {
            Map<String, Tensor> outputs = floatOutputs(call(model, request.samples));
            metrics.inferCall(request.count);
            request.answer(new Rows(outputs, WeightsRef.of(engine)), metrics);
        }
        catch (RuntimeException e) {
            request.answer.completeExceptionally(e);
        }
    }

    /**
     * One call of the signature, or one per sample for a model whose batch size is fixed
     * at 1.
     */
    private Map<String, Tensor> call(LoadedModel model, Tensor samples) {
        int n = samples.shape()[0];
        if (fixedBatch < 0 || fixedBatch == n) {
            return model.model().run(spec.signature(), Map.of(spec.input().name(), samples));
        }
        if (fixedBatch != 1) {
            throw new BadInputException("x",
                    "this model takes batches of exactly " + fixedBatch + " samples, got " + n);
        }
        int size = samples.elementCount() / n;
        int[] shape = samples.shape();
        shape[0] = 1;
        List<Map<String, Tensor>> each = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Tensor one = Tensor.ofFloats(shape, Arrays.copyOfRange(samples.floats(), i * size, (i + 1) * size));
            each.add(floatOutputs(model.model().run(spec.signature(), Map.of(spec.input().name(), one))));
        }
        Map<String, Tensor> outputs = new LinkedHashMap<>();
        each.get(0).keySet().forEach(name -> outputs.put(name, concat(each.stream().map(o -> o.get(name)).toList())));
        return outputs;
    }

    private static Map<String, Tensor> floatOutputs(Map<String, Tensor> outputs) {
        Map<String, Tensor> floats = new LinkedHashMap<>();
        outputs.forEach((name, tensor) -> {
            if (tensor.type() == DataType.FLOAT32) {
                floats.put(name, tensor);
            }
        });
        return floats;
    }

    private static Tensor concat(List<Request> batch, int total) {
        int[] shape = batch.get(0).samples.shape();
        shape[0] = total;
        return concat(batch.stream().map(r -> r.samples).toList(), shape);
    }

    /** Float tensors stacked along their first dimension. */
    private static Tensor concat(List<Tensor> parts) {
        int[] shape = parts.get(0).shape();
        shape[0] = parts.stream().mapToInt(t -> t.shape()[0]).sum();
        return concat(parts, shape);
    }

    private static Tensor concat(List<Tensor> parts, int[] shape) {
        float[] all = new float[(int) Tensor.elementCount(shape)];
        int at = 0;
        for (Tensor part : parts) {
            float[] values = part.floats();
            System.arraycopy(values, 0, all, at, values.length);
            at += values.length;
        }
        return Tensor.ofFloats(shape, all);
    }

    /** Rows {@code from} (inclusive) to {@code to} of each output. */
    private static Map<String, Tensor> slice(Map<String, Tensor> outputs, int from, int to) {
        Map<String, Tensor> rows = new LinkedHashMap<>();
        outputs.forEach((name, tensor) -> {
            int[] shape = tensor.shape();
            int width = tensor.elementCount() / shape[0];
            shape[0] = to - from;
            rows.put(name, Tensor.ofFloats(shape, Arrays.copyOfRange(tensor.floats(), from * width, to * width)));
        });
        return rows;
    }

    private static final class Request {

        final Tensor samples;

        final int count;

        /** Requests are merged only with requests of the same key: the sample shape. */
        final String key;

        final long queuedAt = System.nanoTime();

        final CompletableFuture<Rows> answer = new CompletableFuture<>();

        Request(Tensor samples) {
            this.samples = samples;
            int[] shape = samples.shape();
            this.count = shape[0];
            this.key = Arrays.toString(Arrays.copyOfRange(shape, 1, shape.length));
        }

        void answer(Rows rows, EngineMetrics metrics) {
            metrics.record(TaskKind.INFER, System.nanoTime() - queuedAt);
            answer.complete(rows);
        }

    }

}
