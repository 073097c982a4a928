package dev.edgetrainer.server.training;

import java.time.Instant;
import java.util.List;

import dev.edgetrainer.server.data.TrainingData;
import dev.edgetrainer.server.data.TrainingDataReader;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockMultipartFile;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

import static org.hamcrest.Matchers.containsString;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.BDDMockito.given;
import static org.mockito.BDDMockito.willThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.multipart;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

@WebMvcTest(TrainingController.class)
class TrainingControllerTests {

    private static final TrainingData DATA = TrainingData.ofFloats(new float[4], new float[20], 2);

    @Autowired
    MockMvc mvc;

    @MockitoBean
    TrainingService training;

    @MockitoBean
    TrainingDataReader reader;

    private static TrainingJob job(TrainingJob.Status status) {
        TrainingJob job = mock(TrainingJob.class);
        given(job.status()).willReturn(status);
        given(job.view()).willReturn(new JobView("j1", "request", status, false, 2, 2, 4, 4, 2, 1, 0.5,
                List.of(0.7, 0.5), Instant.EPOCH, Instant.EPOCH, Instant.EPOCH, 3L, null, null, null, null));
        return job;
    }

    @Test
    void aQuickJobAnswers200WithItsLosses() throws Exception {
        given(reader.json(any(), any())).willReturn(DATA);
        TrainingJob job = job(TrainingJob.Status.SUCCEEDED);
        given(training.start(eq(DATA), any(), any())).willReturn(job);
        given(training.awaitQuickly(job)).willReturn(true);

        mvc.perform(post("/train?epochs=2").contentType(MediaType.APPLICATION_JSON)
            .content("{\"x\": [[1]], \"y\": [0], \"batchSize\": 1}"))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.loss").value(0.5))
            .andExpect(jsonPath("$.epochLosses.length()").value(2));
        verify(training).start(eq(DATA), argThat(o -> o.epochs() == 2 && o.batchSize() == 1 && !o.async()), any());
    }

    @Test
    void anAsyncOrSlowJobAnswers202WithItsLocation() throws Exception {
        given(reader.parts(any(), any(), any(), any())).willReturn(DATA);
        TrainingJob job = job(TrainingJob.Status.RUNNING);
        given(training.start(any(), any(), any())).willReturn(job);

        mvc.perform(multipart("/train?async=true").file(new MockMultipartFile("images", new byte[] { 1 }))
            .file(new MockMultipartFile("labels", new byte[] { 2 })))
            .andExpect(status().isAccepted())
            .andExpect(header().string("Location", "/train/jobs/j1"));
    }

    /** A quick JSON job that failed with this error. */
    private void failsQuickly(String error, boolean blewUp) {
        given(reader.json(any(), any())).willReturn(DATA);
        TrainingJob job = job(TrainingJob.Status.FAILED);
        given(job.blewUp()).willReturn(blewUp);
        given(job.error()).willReturn(error);
        given(training.start(any(), any(), any())).willReturn(job);
        given(training.awaitQuickly(job)).willReturn(true);
    }

    @Test
    void aNonFiniteLossIs422() throws Exception {
        failsQuickly("step 1 produced loss NaN; the weights were put back", true);

        mvc.perform(post("/train").contentType(MediaType.APPLICATION_JSON).content("{\"x\": [[1]], \"y\": [0]}"))
            .andExpect(status().isUnprocessableContent())
            .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("put back")));
    }

    @Test
    void aJobThatFailsOtherwiseIsTheServersFault() throws Exception {
        failsQuickly("step 1 failed: the interpreter returned an error", false);

        mvc.perform(post("/train").contentType(MediaType.APPLICATION_JSON).content("{\"x\": [[1]], \"y\": [0]}"))
            .andExpect(status().isInternalServerError())
            .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("step 1 failed")));
    }

    @Test
    void badOptionsAndPartsAreRejectedBeforeAnyJob() throws Exception {
        mvc.perform(post("/train?epochs=0").contentType(MediaType.APPLICATION_JSON).content("{\"x\": [1]}"))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.field").value("epochs"));
        mvc.perform(post("/train").contentType(MediaType.APPLICATION_JSON).content("{\"x\": [1], \"batchSize\": 0}"))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.field").value("batchSize"));
        mvc.perform(post("/train?shuffle=perhaps").contentType(MediaType.APPLICATION_JSON).content("{}"))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.field").value("shuffle"));
        verify(training, never()).start(any(), any(), any());
    }

    @Test
    void aRunningJobIsAnsweredWithAConflictBeforeTheBodyIsRead() throws Exception {
        willThrow(new TrainingRunningException("j1")).given(training).refuseWhileRunning();

        mvc.perform(post("/train").contentType(MediaType.APPLICATION_JSON).content("{\"x\": [1], \"y\": [1]}"))
            .andExpect(status().isConflict())
            .andExpect(jsonPath("$.detail").value(containsString("j1")));
        verifyNoInteractions(reader);
    }

    @Test
    void jobsCanBeReadAndCancelled() throws Exception {
        TrainingJob running = job(TrainingJob.Status.RUNNING);
        given(training.job("j1")).willReturn(running);
        given(training.cancel("j1")).willReturn(running);
        given(training.job("nope")).willThrow(new JobNotFoundException("nope", 20));

        mvc.perform(get("/train/jobs/j1")).andExpect(status().isOk()).andExpect(jsonPath("$.step").value(4));
        mvc.perform(delete("/train/jobs/j1")).andExpect(status().isAccepted());
        mvc.perform(get("/train/jobs/nope"))
            .andExpect(status().isNotFound())
            .andExpect(jsonPath("$.field").value("id"));
    }

}
