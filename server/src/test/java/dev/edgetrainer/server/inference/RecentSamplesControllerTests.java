package dev.edgetrainer.server.inference;

import java.time.Instant;
import java.util.List;

import dev.edgetrainer.server.model.WeightsRef;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

import static org.mockito.BDDMockito.given;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

@WebMvcTest(RecentSamplesController.class)
class RecentSamplesControllerTests {

    @Autowired
    MockMvc mvc;

    @MockitoBean
    InferenceService service;

    @Test
    void recentSamplesComeWithTheirPredictionAndWhereKnownTheirTruth() throws Exception {
        given(service.recent()).willReturn(new RecentSamplesResponse(true,
                List.of(new RecentSamplesResponse.RecentSample("data:image/png;base64,AA==", "train", Instant.EPOCH,
                        new InferenceResponse.Ranked(7, "Sneaker", 0.9f), null,
                        new RecentSamplesResponse.Truth(9, "Ankle boot"), false),
                        new RecentSamplesResponse.RecentSample("data:image/png;base64,AQ==", "infer", Instant.EPOCH,
                                new InferenceResponse.Ranked(1, "Trouser", 0.6f), null, null, null)),
                new WeightsRef("abc", null, 3)));

        mvc.perform(get("/samples/recent"))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.images").value(true))
            .andExpect(jsonPath("$.samples[0].predicted.label").value("Sneaker"))
            .andExpect(jsonPath("$.samples[0].truth.label").value("Ankle boot"))
            .andExpect(jsonPath("$.samples[0].correct").value(false))
            .andExpect(jsonPath("$.samples[1].source").value("infer"))
            .andExpect(jsonPath("$.samples[1].truth").doesNotExist())
            .andExpect(jsonPath("$.samples[1].correct").doesNotExist())
            .andExpect(jsonPath("$.weights.step").value(3));
    }

}
