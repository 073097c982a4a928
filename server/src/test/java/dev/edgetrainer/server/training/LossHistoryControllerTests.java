package dev.edgetrainer.server.training;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.edgetrainer.model.graph.PretrainingHistory;
import dev.edgetrainer.server.model.ModelEngine;
import dev.edgetrainer.server.model.ModelInfo;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

@WebMvcTest(LossHistoryController.class)
@Import({ LossHistory.class, LossHistoryPublisher.class })
class LossHistoryControllerTests {

    @Autowired
    MockMvc mvc;

    @Autowired
    LossHistory history;

    @Autowired
    LossHistoryPublisher publisher;

    @MockitoBean
    ModelEngine engine;

    private void pretrained(PretrainingHistory pretraining) {
        ModelInfo info = mock(ModelInfo.class);
        given(info.pretraining()).willReturn(pretraining);
        given(engine.info()).willReturn(info);
    }

    @Test
    void theCurveIsThePretrainingThenTheStepsOnThisDevice() throws Exception {
        pretrained(new PretrainingHistory(600, 50, List.of(0.9, 0.7, 0.6)));
        long before = history.steps();
        history.record(5, 0.55, Instant.EPOCH);

        mvc.perform(get("/train/history?after=" + before + "&generation=" + history.generation()))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.pretraining.samples").value(600))
            .andExpect(jsonPath("$.pretraining.batchSize").value(50))
            .andExpect(jsonPath("$.pretraining.epochs").value(3))
            .andExpect(jsonPath("$.pretraining.points[2].epoch").value(3))
            .andExpect(jsonPath("$.pretraining.points[2].loss").value(0.6))
            .andExpect(jsonPath("$.device.full").value(false))
            .andExpect(jsonPath("$.device.points.length()").value(1))
            .andExpect(jsonPath("$.device.points[0].seq").value(before + 1))
            .andExpect(jsonPath("$.device.points[0].step").value(5))
            .andExpect(jsonPath("$.device.points[0].loss").value(0.55));
    }

    @Test
    void aLongPretrainingIsThinnedToAThousandPointsEndingWithTheLastEpoch() throws Exception {
        List<Double> losses = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            losses.add(1.0 / (i + 1));
        }
        pretrained(new PretrainingHistory(10, 1, losses));

        mvc.perform(get("/train/history"))
            .andExpect(jsonPath("$.pretraining.epochs").value(4000))
            .andExpect(jsonPath("$.pretraining.points.length()").value(1000))
            .andExpect(jsonPath("$.pretraining.points[0].epoch").value(4))
            .andExpect(jsonPath("$.pretraining.points[0].loss").value(0.25))
            .andExpect(jsonPath("$.pretraining.points[999].epoch").value(4000))
            .andExpect(jsonPath("$.device.full").value(true));
    }

    @Test
    void aModelWithoutHistoryHasNoPretrainingPart() throws Exception {
        pretrained(null);

        mvc.perform(get("/train/history")).andExpect(jsonPath("$.pretraining").doesNotExist());
    }

    @Test
    void badPositionsAreProblemsNamingTheParameter() throws Exception {
        mvc.perform(get("/train/history?generation=abc"))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.field").value("generation"));
    }

    @Test
    void theStreamStartsWithWhatTheClientLacksAsAServerSentEvent() throws Exception {
        history.record(9, 0.125, Instant.EPOCH);

        MvcResult result = mvc.perform(get("/train/history/stream").accept("text/event-stream"))
            .andExpect(request().asyncStarted())
            .andReturn();

        String body = awaitBody(result);
        assertThat(body).startsWith("event:history\ndata:{\"generation\":" + history.generation() + ",\"full\":true")
            .contains("\"loss\":0.125");
    }

    @Test
    void beyondTheBoundStreamsAreRefusedWith503() throws Exception {
        while (publisher.subscribers() < LossHistoryPublisher.MAX_SUBSCRIBERS) {
            mvc.perform(get("/train/history/stream")).andExpect(request().asyncStarted());
        }

        mvc.perform(get("/train/history/stream").accept("text/event-stream", "application/problem+json"))
            .andExpect(status().isServiceUnavailable())
            .andExpect(header().exists("Retry-After"))
            .andExpect(jsonPath("$.detail").value(containsString("8 loss streams")));
    }

    private static String awaitBody(MvcResult result) throws Exception {
        for (int i = 0; i < 100; i++) {
            String body = result.getResponse().getContentAsString();
            if (!body.isEmpty()) {
                return body;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no event within 5 s");
    }

}
