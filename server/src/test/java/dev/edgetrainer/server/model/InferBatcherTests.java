package dev.edgetrainer.server.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import dev.edgetrainer.model.graph.MlpModelWriter;
import dev.edgetrainer.model.runtime.InvalidInputException;
import dev.edgetrainer.model.runtime.ModelException;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.server.TestFixtures;
import dev.edgetrainer.server.system.EdgeProperties;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Micro-batching on the real runtime: requests queued behind a task that holds the
 * interpreter are merged when it lets go. Each request's rows are compared with the same
 * samples run alone; a batched call may differ from single ones in the last bits of a
 * float (XNNPACK's kernels for one row and for many round differently), so within 1e-5,
 * far below the difference between any two of the samples.
 */
class InferBatcherTests {

    private static final List<String> CLASSES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    private static final EdgeProperties.Batching ON = new EdgeProperties.Batching(true, 64, Duration.ZERO);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private ModelEngine engine;

    private InferBatcher batcher;

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private void start(byte[] model, List<String> classNames, EdgeProperties.Batching batching) {
        ModelState state = new ModelState();
        EngineMetrics metrics = new EngineMetrics(state);
        metrics.bindTo(registry);
        engine = new ModelEngine(new ModelSource("model.tflite", model), ModelEngineTests.settings(classNames),
                new EdgeProperties.Queue(256, Duration.ofSeconds(1), Duration.ofSeconds(5)), state, metrics);
        batcher = new InferBatcher(engine, metrics, batching);
    }

    private void startSmall(EdgeProperties.Batching batching) {
        start(MlpModelWriter.write(TestFixtures.SMALL), CLASSES, batching);
    }

    @Test
    void requestsWaitingTogetherRunAsOneCallAndEachGetsItsOwnRowsInOrder() throws Exception {
        startSmall(ON);
        List<float[]> alone = alone(10);

        List<CompletableFuture<InferBatcher.Rows>> answers = whileTheInterpreterIsHeld(() -> {
            List<CompletableFuture<InferBatcher.Rows>> queued = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                queued.add(infer(samples(i)));
            }
            return queued;
        });

        for (int i = 0; i < 10; i++) {
            assertRows(answers.get(i).get(10, TimeUnit.SECONDS), alone.subList(i, i + 1));
        }
        assertCalls(1, 10);
    }

    @Test
    void requestsOfSeveralSamplesGetTheirOwnRows() throws Exception {
        startSmall(ON);
        List<float[]> alone = alone(6);

        List<CompletableFuture<InferBatcher.Rows>> answers = whileTheInterpreterIsHeld(
                () -> List.of(infer(samples(0, 1, 2)), infer(samples(3)), infer(samples(4, 5))));

        assertRows(answers.get(0).get(10, TimeUnit.SECONDS), alone.subList(0, 3));
        assertRows(answers.get(1).get(10, TimeUnit.SECONDS), alone.subList(3, 4));
        assertRows(answers.get(2).get(10, TimeUnit.SECONDS), alone.subList(4, 6));
        assertCalls(1, 6);
    }

    @Test
    void aSampleTheModelCannotTakeFailsOnlyItsOwnRequest() throws Exception {
        start(GatherModel.write(), List.of("a", "b"), ON);

        List<CompletableFuture<InferBatcher.Rows>> answers = whileTheInterpreterIsHeld(
                () -> List.of(infer(indices(0, 1)), infer(indices(2, 7)), infer(indices(3, 3))));

        assertThat(answers.get(0).get(10, TimeUnit.SECONDS).outputs().values()).containsExactly(0.1f, 0.2f);
        assertThatThrownBy(() -> answers.get(1).get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
            .cause()
            .isInstanceOf(ModelFaultException.class)
            .hasMessageContaining("gather index out of bounds")
            .hasCauseInstanceOf(ModelException.class);
        assertThat(answers.get(2).get(10, TimeUnit.SECONDS).outputs().values()).containsExactly(0.4f, 0.4f);
        // The merged call failed; then each ran alone, and two succeeded.
        assertCalls(2, 1);
    }

    @Test
    void samplesOfAnotherShapeAreNotMergedAndFailAlone() throws Exception {
        startSmall(ON);
        List<float[]> alone = alone(2);

        List<CompletableFuture<InferBatcher.Rows>> answers = whileTheInterpreterIsHeld(() -> List.of(infer(samples(0)),
                infer(Tensor.ofFloats(new int[] { 1, 27, 28 }, new float[27 * 28])), infer(samples(1))));

        assertRows(answers.get(0).get(10, TimeUnit.SECONDS), alone.subList(0, 1));
        assertThatThrownBy(() -> answers.get(1).get(10, TimeUnit.SECONDS)).cause()
            .isInstanceOf(InvalidInputException.class);
        assertRows(answers.get(2).get(10, TimeUnit.SECONDS), alone.subList(1, 2));
        assertCalls(1, 2);
    }

    @Test
    void aMergedCallHoldsAtMostMaxBatchSamplesAndABiggerRequestRunsAlone() throws Exception {
        startSmall(new EdgeProperties.Batching(true, 4, Duration.ZERO));
        List<float[]> alone = alone(16);

        List<CompletableFuture<InferBatcher.Rows>> answers = whileTheInterpreterIsHeld(() -> {
            List<CompletableFuture<InferBatcher.Rows>> queued = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                queued.add(infer(samples(i)));
            }
            queued.add(infer(samples(10, 11, 12, 13, 14, 15)));
            return queued;
        });

        for (int i = 0; i < 10; i++) {
            assertRows(answers.get(i).get(10, TimeUnit.SECONDS), alone.subList(i, i + 1));
        }
        assertRows(answers.get(10).get(10, TimeUnit.SECONDS), alone.subList(10, 16));
        // 4 + 4 + 2 singles, then the request of 6 on its own.
        DistributionSummary calls = calls();
        assertThat(calls.count()).isEqualTo(4);
        assertThat(calls.totalAmount()).isEqualTo(16);
        assertThat(calls.max()).isEqualTo(6);
    }

    @Test
    void withAMaxWaitTheFirstRequestWaitsForOthersWhenTheInterpreterIsIdle() throws Exception {
        startSmall(new EdgeProperties.Batching(true, 64, Duration.ofSeconds(1)));
        List<float[]> alone = alone(2);

        long start = System.nanoTime();
        CompletableFuture<InferBatcher.Rows> first = infer(samples(0));
        CompletableFuture<InferBatcher.Rows> second = infer(samples(1));

        assertRows(first.get(10, TimeUnit.SECONDS), alone.subList(0, 1));
        assertRows(second.get(10, TimeUnit.SECONDS), alone.subList(1, 2));
        assertCalls(1, 2);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void switchedOffEachRequestRunsAlone() throws Exception {
        startSmall(new EdgeProperties.Batching(false, 64, Duration.ZERO));
        List<float[]> alone = alone(5);

        List<CompletableFuture<InferBatcher.Rows>> answers = whileTheInterpreterIsHeld(() -> {
            List<CompletableFuture<InferBatcher.Rows>> queued = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                queued.add(infer(samples(i)));
            }
            return queued;
        });

        for (int i = 0; i < 5; i++) {
            assertThat(answers.get(i).get(10, TimeUnit.SECONDS).outputs().values()).containsExactly(alone.get(i));
        }
        assertCalls(5, 1);
    }

    @Test
    void aModelWithAFixedBatchSizeIsNeverMergedAndRunsSampleBySample() throws Exception {
        Path linear = TestFixtures.sharedModels().resolve("linear-builtin.tflite");
        Assumptions.assumeTrue(Files.exists(linear), "skipped: " + linear + " is absent (shared test models)");
        start(Files.readAllBytes(linear), List.of(), ON);
        float[] alone = ModelEngine.await(engine.submit(TaskKind.INFER,
                model -> new float[] { value(model, 1f), value(model, 2f), value(model, 3f) }));

        List<CompletableFuture<InferBatcher.Rows>> answers = whileTheInterpreterIsHeld(
                () -> List.of(infer(linearSamples(1f)), infer(linearSamples(2f, 3f))));

        assertThat(answers.get(0).get(10, TimeUnit.SECONDS).outputs().values()).containsExactly(alone[0]);
        BatchInference.Outputs two = answers.get(1).get(10, TimeUnit.SECONDS).outputs();
        assertThat(two.count()).isEqualTo(2);
        assertThat(two.values()).containsExactly(alone[1], alone[2]);
        assertThat(calls().count()).isEqualTo(2);
    }

    @Test
    void eachAnswerCarriesTheWeightsThatMadeIt() throws Exception {
        startSmall(ON);

        InferBatcher.Rows rows = infer(samples(0)).get(10, TimeUnit.SECONDS);

        assertThat(rows.weights()).isEqualTo(new WeightsRef(engine.info().sha256(), null, 0));
    }

    private CompletableFuture<InferBatcher.Rows> infer(Tensor samples) {
        return batcher.infer(samples, TaskKind.INFER);
    }

    @Test
    void theDashboardsOwnCallsAreMergedButNotTimedAsClientRequests() throws Exception {
        startSmall(ON);
        List<float[]> alone = alone(2);
        long timedBefore = registry.get("edge.infer.latency").timer().count();

        List<CompletableFuture<InferBatcher.Rows>> answers = whileTheInterpreterIsHeld(
                () -> List.of(infer(samples(0)), batcher.infer(samples(1), TaskKind.DASHBOARD)));

        assertRows(answers.get(0).get(10, TimeUnit.SECONDS), alone.subList(0, 1));
        assertRows(answers.get(1).get(10, TimeUnit.SECONDS), alone.subList(1, 2));
        assertCalls(1, 2);
        assertThat(registry.get("edge.infer.latency").timer().count() - timedBefore).isEqualTo(1);
    }

    private static float value(LoadedModel model, float x) {
        return model.model()
            .run("infer", Map.of("x", Tensor.ofFloats(new int[] { 1, 1 }, new float[] { x })))
            .get("output")
            .floats()[0];
    }

    private static Tensor linearSamples(float... x) {
        return Tensor.ofFloats(new int[] { x.length, 1 }, x);
    }

    /**
     * Holds the interpreter with a task while {@code queue} submits requests, so that
     * they all wait together; then lets go.
     */
    private <T> T whileTheInterpreterIsHeld(java.util.function.Supplier<T> queue) throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Object> holder = engine.submit(TaskKind.CHECKPOINT, model -> {
            held.countDown();
            return release.await(10, TimeUnit.SECONDS);
        });
        assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
        T queued = queue.get();
        release.countDown();
        holder.get(10, TimeUnit.SECONDS);
        return queued;
    }

    /** Each sample's output, run on its own on the interpreter thread. */
    private List<float[]> alone(int count) {
        List<float[]> outputs = ModelEngine.await(engine.submit(TaskKind.INFER, model -> {
            List<float[]> each = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                each.add(model.model().run("infer", Map.of("x", samples(i))).get("output").floats());
            }
            return each;
        }));
        // Mixed-up rows would go unnoticed if two samples gave nearly the same output.
        for (int i = 0; i < count; i++) {
            for (int j = i + 1; j < count; j++) {
                assertThat(maxDifference(outputs.get(i), outputs.get(j))).isGreaterThan(1e-3f);
            }
        }
        return outputs;
    }

    private static void assertRows(InferBatcher.Rows rows, List<float[]> expected) {
        assertThat(rows.outputs().count()).isEqualTo(expected.size());
        float[] values = rows.outputs().values();
        assertThat(values).hasSize(expected.size() * 10);
        for (int i = 0; i < expected.size(); i++) {
            for (int c = 0; c < 10; c++) {
                assertThat(values[i * 10 + c]).isCloseTo(expected.get(i)[c], within(1e-5f));
            }
        }
    }

    private void assertCalls(long count, double maxSamples) {
        DistributionSummary calls = calls();
        assertThat(calls.count()).as("infer calls").isEqualTo(count);
        assertThat(calls.max()).as("samples in the biggest call").isEqualTo(maxSamples);
    }

    private DistributionSummary calls() {
        return registry.get("edge.infer.batch.samples").summary();
    }

    private static float maxDifference(float[] a, float[] b) {
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    /** Test samples, one per seed. */
    private static Tensor samples(int... seeds) {
        float[] x = new float[seeds.length * 784];
        for (int s = 0; s < seeds.length; s++) {
            int[] pixels = TestFixtures.pixels(seeds[s]);
            for (int p = 0; p < 784; p++) {
                x[s * 784 + p] = pixels[p] / 255f;
            }
        }
        return Tensor.ofFloats(new int[] { seeds.length, 28, 28 }, x);
    }

    private static Tensor indices(float... x) {
        return Tensor.ofFloats(new int[] { 1, x.length }, x);
    }

}
