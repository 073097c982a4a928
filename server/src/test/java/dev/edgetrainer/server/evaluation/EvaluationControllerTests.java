package dev.edgetrainer.server.evaluation;

import dev.edgetrainer.server.data.TrainingData;
import dev.edgetrainer.server.data.TrainingDataReader;
import dev.edgetrainer.server.model.WeightsRef;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockMultipartFile;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.multipart;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

@WebMvcTest(EvaluationController.class)
class EvaluationControllerTests {

    private static final TrainingData DATA = TrainingData.ofFloats(new float[4], new float[20], 2);

    private static final EvaluationService.Result RESULT = new EvaluationService.Result("validation",
            new Evaluator.Evaluation(2, 0.5, 1.0), new WeightsRef("m", "c1", 3));

    @Autowired
    MockMvc mvc;

    @MockitoBean
    EvaluationService evaluation;

    @MockitoBean
    TrainingDataReader reader;

    @Test
    void noBodyOrJustACheckpointMeasuresOnTheValidationSamples() throws Exception {
        given(evaluation.evaluate(isNull(), any())).willReturn(RESULT);
        mvc.perform(post("/evaluate"))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.data").value("validation"))
            .andExpect(jsonPath("$.loss").value(0.5))
            .andExpect(jsonPath("$.accuracy").value(1.0))
            .andExpect(jsonPath("$.weights.checkpoint").value("c1"));
        verify(evaluation).evaluate(null, null);
        mvc.perform(post("/evaluate?checkpoint=c1")).andExpect(status().isOk());
        verify(evaluation).evaluate(null, "c1");
        mvc.perform(post("/evaluate").contentType(MediaType.APPLICATION_JSON).content("{\"checkpoint\": \"c2\"}"))
            .andExpect(status().isOk());
        verify(evaluation).evaluate(null, "c2");
        verifyNoInteractions(reader);
    }

    @Test
    void samplesInJsonOrPartsAreReadAsForTraining() throws Exception {
        given(reader.json(any(), any())).willReturn(DATA);
        given(reader.parts(any(), any(), any(), any())).willReturn(DATA);
        given(evaluation.evaluate(DATA, null)).willReturn(RESULT);
        mvc.perform(post("/evaluate").contentType(MediaType.APPLICATION_JSON).content("{\"x\": [[1]], \"y\": [0]}"))
            .andExpect(status().isOk());
        mvc.perform(multipart("/evaluate").file(new MockMultipartFile("images", new byte[] { 1 }))
            .file(new MockMultipartFile("labels", new byte[] { 2 }))).andExpect(status().isOk());
        verify(evaluation, org.mockito.Mockito.times(2)).evaluate(DATA, null);
    }

    @Test
    void anyOtherBodyIsUnsupported() throws Exception {
        mvc.perform(post("/evaluate").contentType(MediaType.TEXT_PLAIN).content("hello"))
            .andExpect(status().isUnsupportedMediaType())
            .andExpect(jsonPath("$.field").value("Content-Type"));
        verifyNoInteractions(evaluation);
    }

}
