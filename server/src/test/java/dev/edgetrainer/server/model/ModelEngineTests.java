package dev.edgetrainer.server.model;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import dev.edgetrainer.model.graph.MlpModelWriter;
import dev.edgetrainer.model.graph.PretrainingHistory;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.server.TestFixtures;
import dev.edgetrainer.server.system.EdgeException;
import dev.edgetrainer.server.system.EdgeProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ExtendWith(OutputCaptureExtension.class)
class ModelEngineTests {

    private static final EdgeProperties.Model SETTINGS = settings(List.of());

    static EdgeProperties.Model settings(List<String> classNames) {
        return new EdgeProperties.Model(null, classNames, 3, null, 0.5,
                new EdgeProperties.Signatures(null, null, null, null), 1);
    }

    @TempDir
    Path dir;

    private ModelEngine engine;

    private ModelEngine engine(int capacity, Duration shutdownTimeout) throws Exception {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        ModelState state = new ModelState();
        engine = new ModelEngine(new ModelSource(model.toString(), Files.readAllBytes(model)), SETTINGS,
                new EdgeProperties.Queue(capacity, Duration.ofSeconds(2), shutdownTimeout), state,
                new EngineMetrics(state));
        return engine;
    }

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private static Map<String, Tensor> sample() {
        return Map.of("x", Tensor.ofFloats(new int[] { 1, 28, 28 }, new float[784]));
    }

    @Test
    void everyTaskRunsOnTheOneInterpreterThread() throws Exception {
        ModelEngine engine = engine(1000, Duration.ofSeconds(5));
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        ExecutorService callers = Executors.newFixedThreadPool(8);
        List<CompletableFuture<Map<String, Tensor>>> answers = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            answers.add(CompletableFuture.supplyAsync(() -> engine.submit(TaskKind.INFER, model -> {
                threads.add(Thread.currentThread());
                return model.model().run("infer", sample());
            }), callers).thenCompose(f -> f));
        }
        for (CompletableFuture<Map<String, Tensor>> answer : answers) {
            assertThat(answer.get(10, TimeUnit.SECONDS).get("output").floats()).hasSize(10);
        }
        callers.shutdown();

        assertThat(threads).hasSize(1);
        assertThat(threads.iterator().next().getName()).isEqualTo("edge-interpreter");
    }

    @Test
    void theModelRefusesAnyOtherThread() throws Exception {
        ModelEngine engine = engine(10, Duration.ofSeconds(5));
        LoadedModel leaked = ModelEngine.await(engine.submit(TaskKind.INFER, model -> model));

        assertThatThrownBy(leaked::model).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("only edge-interpreter may use it");
    }

    @Test
    void aFullQueueFailsFastWith503AndRetryAfter() throws Exception {
        ModelEngine engine = engine(2, Duration.ofSeconds(5));
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        CompletableFuture<Object> blocker = engine.submit(TaskKind.INFER, model -> {
            running.countDown();
            release.await();
            return null;
        });
        running.await();
        engine.submit(TaskKind.INFER, model -> null);
        engine.submit(TaskKind.INFER, model -> null);

        assertThatThrownBy(() -> engine.submit(TaskKind.INFER, model -> null))
            .isInstanceOfSatisfying(QueueFullException.class, e -> {
                assertThat(e.kind()).isEqualTo(EdgeException.Kind.BUSY);
                assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(2));
            });
        assertThat(engine.state().rejectedTasks()).isEqualTo(1);
        assertThat(engine.state().queueDepth()).isEqualTo(2);
        // Follow-up steps of admitted work are never refused.
        CompletableFuture<String> followUp = engine.submitFollowUp(TaskKind.TRAIN_STEP, model -> "ran");
        release.countDown();
        blocker.get(5, TimeUnit.SECONDS);
        assertThat(followUp.get(5, TimeUnit.SECONDS)).isEqualTo("ran");
    }

    @Test
    void shutdownFinishesQueuedTasksThenClosesTheModel() throws Exception {
        ModelEngine engine = engine(10, Duration.ofSeconds(5));
        CountDownLatch running = new CountDownLatch(1);
        CompletableFuture<Object> slow = engine.submit(TaskKind.INFER, model -> {
            running.countDown();
            Thread.sleep(200);
            return null;
        });
        running.await();
        CompletableFuture<Integer> queued = engine.submit(TaskKind.INFER,
                model -> model.model().run("infer", sample()).get("output").floats().length);

        engine.close();

        assertThat(slow).isCompleted();
        assertThat(queued.get()).isEqualTo(10);
        assertThat(engine.isRunning()).isFalse();
        assertThatThrownBy(() -> engine.submit(TaskKind.INFER, model -> null))
            .isInstanceOf(EngineStoppingException.class)
            .hasMessageContaining("shutting down");
    }

    @Test
    void tasksStillQueuedAtTheShutdownDeadlineFailCleanly() throws Exception {
        ModelEngine engine = engine(10, Duration.ofMillis(100));
        CountDownLatch running = new CountDownLatch(1);
        engine.submit(TaskKind.INFER, model -> {
            running.countDown();
            Thread.sleep(400);
            return null;
        });
        running.await();
        CompletableFuture<Object> late = engine.submit(TaskKind.INFER, model -> "should not run");

        engine.close();

        assertThatThrownBy(late::get).isInstanceOf(ExecutionException.class)
            .hasCauseInstanceOf(EngineStoppingException.class)
            .hasMessageContaining("stopped before this task ran");
    }

    @Test
    void classNamesMustMatchTheModelOutput() throws Exception {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        ModelState state = new ModelState();

        assertThatThrownBy(() -> new ModelEngine(new ModelSource("m", Files.readAllBytes(model)),
                settings(List.of("a", "b")), new EdgeProperties.Queue(4, Duration.ofSeconds(1), Duration.ofSeconds(1)),
                state, new EngineMetrics(state)))
            .isInstanceOfSatisfying(ModelHostingException.class, e -> {
                assertThat(e.getMessage()).contains("edge.model.class-names lists 2 names (a, b)");
                assertThat(e.action()).contains("Set edge.model.class-names to 10 names");
            });
    }

    @Test
    void aFileThatIsNotAModelStopsStartup() {
        ModelState state = new ModelState();

        assertThatThrownBy(() -> new ModelEngine(new ModelSource("junk.tflite", new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }),
                SETTINGS, new EdgeProperties.Queue(4, Duration.ofSeconds(1), Duration.ofSeconds(1)), state,
                new EngineMetrics(state)))
            .isInstanceOfSatisfying(ModelHostingException.class, e -> {
                assertThat(e.getMessage()).startsWith("The model junk.tflite cannot be loaded: ");
                assertThat(e.action()).contains("complete TensorFlow Lite flatbuffer");
            });
    }

    private ModelEngine engineFor(byte[] model) {
        ModelState state = new ModelState();
        engine = new ModelEngine(new ModelSource("model.tflite", model), SETTINGS,
                new EdgeProperties.Queue(10, Duration.ofSeconds(2), Duration.ofSeconds(5)), state,
                new EngineMetrics(state));
        return engine;
    }

    @Test
    void theModelFilesPretrainingHistoryAndFlexOpsAreKnownOnceLoaded() {
        PretrainingHistory history = new PretrainingHistory(60, 20, List.of(2.1, 1.4, 0.9));
        byte[] model = MlpModelWriter.write(TestFixtures.SMALL, MlpModelWriter.initialWeights(TestFixtures.SMALL),
                history);

        ModelInfo info = engineFor(model).info();

        assertThat(info.pretraining()).isEqualTo(history);
        assertThat(info.customOps()).containsOnlyKeys("train", "infer", "save", "restore")
            .allSatisfy((signature, ops) -> assertThat(ops).isEmpty());
    }

    @Test
    void anUnreadablePretrainingHistoryIsLeftOutAndTheModelStillServes(CapturedOutput output) {
        byte[] model = MlpModelWriter.write(TestFixtures.SMALL, MlpModelWriter.initialWeights(TestFixtures.SMALL),
                new PretrainingHistory(60, 20, List.of(2.1, 1.4)));
        String text = new String(model, StandardCharsets.ISO_8859_1);
        int json = text.indexOf("{\"samples\"");
        // Same length, no longer JSON: as a damaged or foreign writer might leave it.
        model[json] = '#';

        ModelEngine engine = engineFor(model);

        assertThat(engine.info().pretraining()).isNull();
        assertThat(engine.isRunning()).isTrue();
        assertThat(output).contains("carries a pretraining history that cannot be read")
            .contains(PretrainingHistory.METADATA_NAME);
    }

}
