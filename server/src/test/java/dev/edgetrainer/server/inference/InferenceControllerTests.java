package dev.edgetrainer.server.inference;

import java.util.List;

import dev.edgetrainer.server.model.NotInferableException;
import dev.edgetrainer.server.model.QueueFullException;
import dev.edgetrainer.server.model.WeightsRef;
import dev.edgetrainer.server.system.BadInputException;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockMultipartFile;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.multipart;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

@WebMvcTest(InferenceController.class)
@TestPropertySource(properties = "edge.limits.max-body=2KB")
class InferenceControllerTests {

    private static final InferenceResponse ANSWER = new InferenceResponse(
            "probabilities", null, List.of(new InferenceResponse.Prediction("Bag", 1, 0.8f, new float[] { 0.2f, 0.8f },
                    null, List.of(new InferenceResponse.Ranked(1, "Bag", 0.8f)), null)),
            new WeightsRef("abc", "ck1", 4));

    @Autowired
    MockMvc mvc;

    @MockitoBean
    InferenceService service;

    @Test
    void aPngBodyIsOneImage() throws Exception {
        given(service.images(any(), eq("always"), eq(2))).willReturn(ANSWER);

        mvc.perform(post("/infer?invert=always&top=2").contentType(MediaType.IMAGE_PNG).content(new byte[] { 1, 2 }))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.output").value("probabilities"))
            .andExpect(jsonPath("$.predictions[0].label").value("Bag"))
            .andExpect(jsonPath("$.predictions[0].classIndex").value(1))
            .andExpect(jsonPath("$.predictions[0].index").doesNotExist())
            .andExpect(jsonPath("$.predictions[0].top[0].index").value(1))
            .andExpect(jsonPath("$.predictions[0].logits").doesNotExist())
            .andExpect(jsonPath("$.predictions[0].values").doesNotExist())
            .andExpect(jsonPath("$.weights.checkpoint").value("ck1"));
        verify(service).images(argThat(list -> list.size() == 1 && list.get(0).length == 2), eq("always"), eq(2));
    }

    @Test
    void multipartImagePartsAreImagesInOrder() throws Exception {
        given(service.images(any(), isNull(), isNull())).willReturn(ANSWER);

        mvc.perform(multipart("/infer").file(new MockMultipartFile("image", "a.png", "image/png", new byte[] { 1 }))
            .file(new MockMultipartFile("image", "b.jpg", "image/jpeg", new byte[] { 2, 2 })))
            .andExpect(status().isOk());
        verify(service).images(argThat(list -> list.size() == 2 && list.get(1).length == 2), isNull(), isNull());
    }

    @Test
    void jsonIsTensors() throws Exception {
        given(service.tensors(any(), isNull())).willReturn(ANSWER);

        mvc.perform(post("/infer").contentType(MediaType.APPLICATION_JSON).content("{\"x\": [[1, 2]]}"))
            .andExpect(status().isOk());
        verify(service).tensors(argThat(x -> x.values()[1] == 2f && x.shape().length == 2), isNull());
    }

    @Test
    void serviceErrorsBecomeProblemsNamingTheField() throws Exception {
        given(service.images(any(), any(), any())).willThrow(new BadInputException("image", "not a PNG"));

        mvc.perform(post("/infer").contentType(MediaType.IMAGE_PNG).content(new byte[] { 1 }))
            .andExpect(status().isBadRequest())
            .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
            .andExpect(jsonPath("$.detail").value("not a PNG"))
            .andExpect(jsonPath("$.field").value("image"))
            .andExpect(jsonPath("$.instance").value("/infer"));
    }

    @Test
    void aModelWithoutAnInferRoleIs501NamingItsSignaturesAndTheSetting() throws Exception {
        given(service.tensors(any(), any())).willThrow(new NotInferableException("the model has no signature 'infer'",
                List.of("train", "evaluate", "parameters", "restore")));

        mvc.perform(post("/infer").contentType(MediaType.APPLICATION_JSON).content("{\"x\": [1]}"))
            .andExpect(status().isNotImplemented())
            .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
            .andExpect(jsonPath("$.detail").value("this model cannot infer: the model has no signature 'infer'; its "
                    + "signatures are [train, evaluate, parameters, restore]. If one of them infers, set "
                    + "edge.model.signatures.infer to its name"));
    }

    @Test
    void aFullQueueIs503WithRetryAfter() throws Exception {
        given(service.tensors(any(), any())).willThrow(new QueueFullException(64, java.time.Duration.ofSeconds(3)));

        mvc.perform(post("/infer").contentType(MediaType.APPLICATION_JSON).content("{\"x\": [1]}"))
            .andExpect(status().isServiceUnavailable())
            .andExpect(org.springframework.test.web.servlet.result.MockMvcResultMatchers.header()
                .string("Retry-After", "3"));
    }

    @Test
    void springsOwnErrorsAreProblemsToo() throws Exception {
        mvc.perform(post("/infer").contentType(MediaType.TEXT_PLAIN).content("hi"))
            .andExpect(status().isUnsupportedMediaType())
            .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));
        mvc.perform(post("/infer").contentType(MediaType.APPLICATION_JSON).content("{\"x\": ["))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.field").value("body"));
        mvc.perform(post("/infer").contentType(MediaType.IMAGE_PNG).content(new byte[3000]))
            .andExpect(status().isContentTooLarge())
            .andExpect(jsonPath("$.field").value("body"));
        mvc.perform(post("/infer?top=x").contentType(MediaType.IMAGE_PNG).content(new byte[1]))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.field").value("top"));
        mvc.perform(get("/infer"))
            .andExpect(status().isMethodNotAllowed())
            .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));
        mvc.perform(multipart("/infer").file(new MockMultipartFile("picture", new byte[1])))
            .andExpect(status().isBadRequest())
            .andExpect(jsonPath("$.field").value("image"));
        verifyNoInteractions(service);
    }

}
