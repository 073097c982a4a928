package dev.edgetrainer.server.model;

import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;
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
            List.of("boot", "sandal"), Map.of("infer", Set.of(), "train", Set.of("FlexReluGrad")),
            Map.of("train", Set.of("FlexReluGrad")), null);

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
            .andExpect(jsonPath("$.output.kind").value("classes"))
            .andExpect(jsonPath("$.output.classNames[1]").value("sandal"))
            .andExpect(jsonPath("$.output.logits").doesNotExist())
            .andExpect(jsonPath("$.customOps.train[0]").value("FlexReluGrad"))
            .andExpect(jsonPath("$.missingOps.train[0]").value("FlexReluGrad"))
            .andExpect(jsonPath("$.pretrained").value(false));
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
