package dev.edgetrainer.server.model;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import dev.edgetrainer.model.checkpoint.Checkpointer;
import dev.edgetrainer.model.graph.InvalidModelException;
import dev.edgetrainer.model.graph.PretrainingHistory;
import dev.edgetrainer.model.io.Sha256;
import dev.edgetrainer.model.runtime.ModelException;
import dev.edgetrainer.model.runtime.TrainableModel;
import dev.edgetrainer.model.tensor.Signature;
import dev.edgetrainer.server.system.EdgeProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of the interpreter: a single thread that loads the model, then runs
 * {@link ModelTask}s one at a time from a queue and answers each through a future.
 * Requests are admitted only while fewer than {@code edge.queue.capacity} wait, so a
 * flood is refused at once ({@link QueueFullException}) instead of piling up; steps of an
 * admitted training job re-enter the queue without a permit, one at a time, so an
 * inference waits at most one train step. At shutdown the queued tasks still run until
 * the shutdown timeout, the rest fail, and the thread closes the native resources itself.
 */
public final class ModelEngine implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ModelEngine.class);

    private static final Duration LOAD_TIMEOUT = Duration.ofMinutes(2);

    /** A request gives up waiting after this; only a wedged interpreter takes so long. */
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(60);

    private final LinkedBlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();

    private final Semaphore permits;

    private final Object admission = new Object();

    private final EdgeProperties.Queue settings;

    private final ModelState state;

    private final EngineMetrics metrics;

    private final Thread thread;

    private final ModelInfo info;

    private boolean accepting = true;

    private volatile long stopDeadline;

    /**
     * @throws ModelHostingException when the model does not load or cannot be hosted with
     * these settings
     */
    ModelEngine(ModelSource source, EdgeProperties.Model model, EdgeProperties.Queue settings, ModelState state,
            EngineMetrics metrics) {
        this.settings = settings;
        this.state = state;
        this.metrics = metrics;
        this.permits = new Semaphore(settings.capacity());
        CompletableFuture<ModelInfo> loaded = new CompletableFuture<>();
        this.thread = new Thread(() -> serve(source, model, loaded), "edge-interpreter");
        thread.start();
        try {
            this.info = loaded.get(LOAD_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
        catch (ExecutionException e) {
            if (e.getCause() instanceof ModelHostingException hosting) {
                throw hosting;
            }
            if (e.getCause() instanceof ModelException refused) {
                throw ModelHostingException.notAModel(source.name(), refused);
            }
            throw new IllegalStateException("cannot host model " + source.name() + ": " + e.getCause().getMessage(),
                    e.getCause());
        }
        catch (Exception e) {
            throw new IllegalStateException("model " + source.name() + " did not load", e);
        }
        log.info("Hosting {}: infer {}, train {}, checkpoints {}, output {}", source.name(),
                info.roles().get("infer") == null ? "none" : "'" + info.roles().get("infer") + "'",
                info.roles().get("train") == null ? "none" : "'" + info.roles().get("train") + "'",
                info.checkpointStyle().name().toLowerCase(Locale.ROOT), describe(info.output()));
        info.absent().forEach((role, why) -> log.warn("The {} role is not served: {}", role, why));
        info.missingOps()
            .forEach((signature, ops) -> log.warn("Signature '{}' cannot run here: it needs {}", signature,
                    String.join(", ", ops)));
    }

    private static String describe(ModelInfo.Output output) {
        return output.kind().setting() + (output.isClassifier() ? " (" + output.classes() + " classes)"
                : " (" + output.width() + (output.width() == 1 ? " value)" : " values)"));
    }

    public ModelInfo info() {
        return info;
    }

    public ModelState state() {
        return state;
    }

    /** Whether the interpreter thread is up and taking tasks. */
    public boolean isRunning() {
        return thread.isAlive() && isAccepting();
    }

    /**
     * Queues a task from a request.
     * @throws QueueFullException when the queue is full
     * @throws EngineStoppingException when the engine is shutting down
     */
    public <T> CompletableFuture<T> submit(TaskKind kind, ModelTask<T> work) {
        return admit(kind, work, true);
    }

    /**
     * As {@link #submit}, for a task that times its answer itself because it may answer
     * its request before it runs ({@link InferBatcher}).
     */
    <T> CompletableFuture<T> submitUntimed(TaskKind kind, ModelTask<T> work) {
        return admit(kind, work, false);
    }

    private <T> CompletableFuture<T> admit(TaskKind kind, ModelTask<T> work, boolean timed) {
        if (!permits.tryAcquire()) {
            state.rejected();
            throw new QueueFullException(settings.capacity(), settings.retryAfter());
        }
        return enqueue(new Task<>(kind, work, permits, timed));
    }

    /**
     * Queues the next step of work that was already admitted through {@link #submit},
     * such as a training job's next batch; it never competes for a permit, so a busy
     * server cannot strand a job half way.
     */
    public <T> CompletableFuture<T> submitFollowUp(TaskKind kind, ModelTask<T> work) {
        return enqueue(new Task<>(kind, work, null, true));
    }

    private <T> CompletableFuture<T> enqueue(Task<T> task) {
        synchronized (admission) {
            if (!accepting) {
                task.release();
                throw new EngineStoppingException("the server is shutting down", settings.retryAfter());
            }
            state.queued(1);
            queue.add(task);
        }
        return task.future;
    }

    private boolean isAccepting() {
        synchronized (admission) {
            return accepting;
        }
    }

    private void serve(ModelSource source, EdgeProperties.Model settings, CompletableFuture<ModelInfo> loaded) {
        LoadedModel model;
        try {
            model = new LoadedModel(source, settings.hosting(), new TrainableModel.Options(settings.threads()),
                    Thread.currentThread());
        }
        catch (Throwable e) {
            loaded.completeExceptionally(e);
            return;
        }
        try {
            loaded.complete(describe(source, model, settings.threshold()));
        }
        catch (Throwable e) {
            model.close();
            loaded.completeExceptionally(e);
            return;
        }
        try {
            runTasks(model);
        }
        finally {
            model.close();
            log.info("Interpreter closed");
        }
    }

    /**
     * @throws ModelHostingException when the plan has problems
     */
    private static ModelInfo describe(ModelSource source, LoadedModel model, double threshold) {
        if (!model.plan().hostable()) {
            throw ModelHostingException.of(source.name(), model.plan().problems());
        }
        Checkpointer checkpointer = model.checkpointer();
        Map<String, Set<String>> missingOps = new TreeMap<>();
        for (Signature signature : model.model().signatures()) {
            Set<String> missing = model.model().missingOps(signature.key());
            if (!missing.isEmpty()) {
                missingOps.put(signature.key(), missing);
            }
        }
        return ModelInfo.of(source, Sha256.hex(source.bytes()), model.plan(),
                checkpointer.style() == CheckpointStyle.NONE ? List.of() : checkpointer.weightSpecs(),
                model.model().inspection().customOpsBySignature(), missingOps, threshold, pretraining(source));
    }

    /**
     * The pretraining history the file carries. One it cannot read costs the loss curve,
     * not the model: it is logged and left out.
     */
    private static PretrainingHistory pretraining(ModelSource source) {
        try {
            return PretrainingHistory.read(source.bytes()).orElse(null);
        }
        catch (InvalidModelException e) {
            log.warn("{} carries a pretraining history that cannot be read, so none is shown: {}", source.name(),
                    e.getMessage());
            return null;
        }
    }

    private void runTasks(LoadedModel model) {
        while (true) {
            Task<?> task;
            try {
                task = queue.take();
            }
            catch (InterruptedException e) {
                // Nobody else interrupts this thread; keep serving until told to stop
                // through the queue.
                continue;
            }
            state.queued(-1);
            if (task == Task.STOP) {
                return;
            }
            if (stopDeadline != 0 && System.nanoTime() - stopDeadline > 0) {
                task.fail(
                        new EngineStoppingException("the server stopped before this task ran", settings.retryAfter()));
                continue;
            }
            task.runOn(model, metrics);
        }
    }

    /**
     * Stops taking tasks, lets the queued ones finish within the shutdown timeout, fails
     * the rest, closes the model.
     */
    @Override
    public void close() {
        synchronized (admission) {
            if (!accepting) {
                return;
            }
            accepting = false;
            stopDeadline = System.nanoTime() + settings.shutdownTimeout().toNanos();
            state.queued(1);
            queue.add(Task.STOP);
        }
        try {
            // The task running at the deadline cannot be interrupted inside native code;
            // give it a moment more.
            thread.join(settings.shutdownTimeout().plusSeconds(5).toMillis());
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            log.warn("The interpreter thread is still busy after the shutdown timeout; leaving it to the JVM");
        }
    }

    /**
     * Waits for a task's answer on a request thread and rethrows what the task threw, as
     * the task threw it, so the problem handler sees the original exception.
     */
    public static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(ANSWER_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
        catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(e.getCause());
        }
        catch (TimeoutException e) {
            throw new ModelTimeoutException(ANSWER_TIMEOUT, Duration.ofSeconds(5));
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineStoppingException("interrupted while waiting for the model", Duration.ofSeconds(1));
        }
    }

    private static final class Task<T> {

        static final Task<Void> STOP = new Task<>(null, model -> null, null, false);

        final TaskKind kind;

        final ModelTask<T> work;

        final CompletableFuture<T> future = new CompletableFuture<>();

        final long queuedAt = System.nanoTime();

        final boolean timed;

        private Semaphore permit;

        Task(TaskKind kind, ModelTask<T> work, Semaphore permit, boolean timed) {
            this.kind = kind;
            this.work = work;
            this.permit = permit;
            this.timed = timed;
        }

        void runOn(LoadedModel model, EngineMetrics metrics) {
            release();
            try {
                T result = work.run(model);
                if (timed) {
                    metrics.record(kind, System.nanoTime() - queuedAt);
                }
                future.complete(result);
            }
            catch (Throwable e) {
                future.completeExceptionally(e);
            }
        }

        void fail(Throwable e) {
            release();
            future.completeExceptionally(e);
        }

        /** A task holds its queue slot while it waits, not while it runs. */
        void release() {
            if (permit != null) {
                permit.release();
                permit = null;
            }
        }

    }

}
