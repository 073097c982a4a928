package dev.edgetrainer.server.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import dev.edgetrainer.model.hosting.HostingPlan;
import dev.edgetrainer.model.hosting.OutputKind;
import dev.edgetrainer.model.tensor.DataType;
import dev.edgetrainer.model.tensor.Signature;
import dev.edgetrainer.model.tensor.TensorSpec;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

import static org.mockito.BDDMockito.given;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

@WebMvcTest(ModelController.class)
class ModelControllerTests {

    static final TensorSpec X = new TensorSpec("x", DataType.FLOAT32, new int[] { -1, 28, 28 });

    static final ModelInfo INFO = new ModelInfo("/models/shoes.tflite", "abc123", 4096,
            List.of(new Signature("infer", List.of(X),
                    List.of(new TensorSpec("output", DataType.FLOAT32, new int[] { -1, 2 })))),
            CheckpointStyle.PATH, List.of(), new ModelInfo.Infer("infer", X, "output", null), null,
            new ModelInfo.Output(OutputKind.PROBABILITIES, 2, List.of("boot", "sandal"), 0.5), roles("infer", null),
            Map.of("train", Set.of("FlexReluGrad")), Map.of("train", "it has no train signature"),
            Map.of("infer", Set.of(), "train", Set.of("FlexReluGrad")), null);

    private static Map<String, String> roles(String infer, String train) {
        Map<String, String> roles = new LinkedHashMap<>();
        roles.put("infer", infer);
        roles.put("train", train);
        roles.put("save", null);
        roles.put("restore", null);
        return roles;
    }

    @Autowired
    MockMvc mvc;

    @MockitoBean
    ModelEngine engine;

    @MockitoBean
    EngineMetrics metrics;

    @Test
    void theModelIsDescribedForTheDashboard() throws Exception {
        given(engine.info()).willReturn(INFO);

        mvc.perform(get("/model"))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.source").value("/models/shoes.tflite"))
            .andExpect(jsonPath("$.signatures[0].key").value("infer"))
            .andExpect(jsonPath("$.signatures[0].inputs[0].shape[1]").value(28))
            .andExpect(jsonPath("$.signatures[0].inputs[0].type").value("FLOAT32"))
            .andExpect(jsonPath("$.checkpointStyle").value("PATH"))
            .andExpect(jsonPath("$.input.image.rows").value(28))
            .andExpect(jsonPath("$.roles.infer").value("infer"))
            .andExpect(jsonPath("$.absent.train").value("it has no train signature"))
            .andExpect(jsonPath("$.output.kind").value("probabilities"))
            .andExpect(jsonPath("$.output.tensor").value("output"))
            .andExpect(jsonPath("$.output.width").value(2))
            .andExpect(jsonPath("$.output.classNames[1]").value("sandal"))
            .andExpect(jsonPath("$.output.logits").doesNotExist())
            .andExpect(jsonPath("$.output.threshold").doesNotExist())
            .andExpect(jsonPath("$.customOps.train[0]").value("FlexReluGrad"))
            .andExpect(jsonPath("$.missingOps.train[0]").value("FlexReluGrad"))
            .andExpect(jsonPath("$.pretrained").value(false));
    }

    @Test
    void aTrainOnlyBinaryModelSaysItsKindItsThresholdAndWhereSamplesGoIn() throws Exception {
        TensorSpec y = new TensorSpec("y", DataType.FLOAT32, new int[] { -1, 1 });
        given(engine.info()).willReturn(new ModelInfo("/models/door.tflite", "def456", 2048,
                List.of(new Signature("learn", List.of(X, y),
                        List.of(new TensorSpec("loss", DataType.FLOAT32, new int[0])))),
                CheckpointStyle.NONE, List.of(), null,
                new ModelInfo.Train("learn", X, y, "loss", HostingPlan.Targets.PROBABILITY),
                new ModelInfo.Output(OutputKind.BINARY, 1, List.of("closed", "open"), 0.8), roles(null, "learn"),
                Map.of(), Map.of("infer", "it has no infer signature"), Map.of(), null));

        mvc.perform(get("/model"))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.roles.train").value("learn"))
            .andExpect(jsonPath("$.absent.infer").value("it has no infer signature"))
            .andExpect(jsonPath("$.input.name").value("x"))
            .andExpect(jsonPath("$.input.image.cols").value(28))
            .andExpect(jsonPath("$.output.kind").value("binary"))
            .andExpect(jsonPath("$.output.tensor").doesNotExist())
            .andExpect(jsonPath("$.output.threshold").value(0.8))
            .andExpect(jsonPath("$.output.classNames[1]").value("open"));
    }

    @Test
    void theStatusHasTheWeightsTheQueueAndLatencies() throws Exception {
        ModelState state = new ModelState();
        state.weightsReplaced("ck7", 40, 0.25);
        state.stepDone(8, 0.5);
        given(engine.info()).willReturn(INFO);
        given(engine.state()).willReturn(state);
        given(engine.isRunning()).willReturn(true);
        given(metrics.latency(TaskKind.INFER)).willReturn(new EngineMetrics.Latency(12, 0.4, 1.5));
        given(metrics.latency(TaskKind.TRAIN_STEP)).willReturn(new EngineMetrics.Latency(0, null, null));

        mvc.perform(get("/model/status"))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.running").value(true))
            .andExpect(jsonPath("$.weights.checkpoint").value("ck7"))
            .andExpect(jsonPath("$.weights.step").value(41))
            .andExpect(jsonPath("$.loss").value(0.5))
            .andExpect(jsonPath("$.samplesTrained").value(8))
            .andExpect(jsonPath("$.queueDepth").value(0))
            .andExpect(jsonPath("$.queueCapacity").value(64))
            .andExpect(jsonPath("$.infer.count").value(12))
            .andExpect(jsonPath("$.infer.p99Ms").value(1.5))
            .andExpect(jsonPath("$.trainStep.count").value(0))
            .andExpect(jsonPath("$.trainStep.p50Ms").doesNotExist());
    }

}
