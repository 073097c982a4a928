package dev.edgetrainer.server.checkpoint;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import dev.edgetrainer.server.model.ModelState.RestoreReport;
import dev.edgetrainer.server.model.ModelState.Skipped;
import dev.edgetrainer.server.model.WeightsRef;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.verify;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

@WebMvcTest(CheckpointController.class)
class CheckpointControllerTests {

    private static final String SHA = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    private static final Manifest MANIFEST = new Manifest("c1", Instant.parse("2025-01-01T00:00:00Z"), SHA, 3, 10L,
            0.25, "m", CheckpointStyle.TENSORS, Origin.SAVE, null);

    private static final WeightsRef CURRENT = new WeightsRef("m", "c1", 10);

    @Autowired
    MockMvc mvc;

    @MockitoBean
    CheckpointService checkpoints;

    @Test
    void saveAnswers201WithTheManifest() throws Exception {
        given(checkpoints.save()).willReturn(MANIFEST);

        mvc.perform(post("/checkpoint/save"))
            .andExpect(status().isCreated())
            .andExpect(header().string("Location", "/checkpoints/c1"))
            .andExpect(jsonPath("$.sha256").value(SHA))
            .andExpect(jsonPath("$.step").value(10))
            .andExpect(jsonPath("$.createdAt").value("2025-01-01T00:00:00Z"));
    }

    @Test
    void restoreTakesAnOptionalId() throws Exception {
        given(checkpoints.restore(any()))
            .willReturn(new RestoreReport(Instant.EPOCH, "c1", List.of(new Skipped("c2", "corrupt"))));
        given(checkpoints.current()).willReturn(CURRENT);

        mvc.perform(post("/checkpoint/restore"))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.restored").value("c1"))
            .andExpect(jsonPath("$.skipped[0].reason").value("corrupt"));
        mvc.perform(post("/checkpoint/restore").contentType(MediaType.APPLICATION_JSON).content("{\"id\":\"c1\"}"))
            .andExpect(status().isOk());
        verify(checkpoints).restore(isNull());
        verify(checkpoints).restore(eq("c1"));
    }

    @Test
    void listShowsCheckpointsAndTheCurrentOne() throws Exception {
        given(checkpoints.list()).willReturn(new CheckpointService.Listing(List.of(MANIFEST),
                List.of(new CheckpointService.Corrupt("c0", "the manifest cannot be read"))));
        given(checkpoints.current()).willReturn(CURRENT);

        mvc.perform(get("/checkpoints"))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.checkpoints[0].id").value("c1"))
            .andExpect(jsonPath("$.corrupt[0].id").value("c0"))
            .andExpect(jsonPath("$.corrupt[0].problem").value("the manifest cannot be read"))
            .andExpect(jsonPath("$.current").value("c1"));
    }

    @Test
    void downloadCarriesTheDigest() throws Exception {
        given(checkpoints.download(eq("c1"), any()))
            .willReturn(new CheckpointService.Download(MANIFEST, new byte[] { 1, 2, 3 }));

        mvc.perform(get("/checkpoints/c1/file"))
            .andExpect(status().isOk())
            .andExpect(content().bytes(new byte[] { 1, 2, 3 }))
            .andExpect(header().string("ETag", "\"" + SHA + "\""))
            .andExpect(header().string("Repr-Digest", "sha-256=:ABEiM0RVZneImaq7zN3u/wARIjNEVWZ3iJmqu8zd7v8=:"))
            .andExpect(header().string("Content-Disposition", "attachment; filename=\"c1.weights\""));
    }

    @Test
    void uploadAndDelete() throws Exception {
        given(checkpoints.upload(eq("peer"), any(), any())).willReturn(new CheckpointService.Uploaded(MANIFEST, false));

        mvc.perform(put("/checkpoints/peer/file").contentType(MediaType.APPLICATION_OCTET_STREAM)
            .content(new byte[] { 7, 7 }))
            .andExpect(status().isCreated())
            .andExpect(header().string("ETag", "\"" + SHA + "\""));
        mvc.perform(delete("/checkpoints/c1")).andExpect(status().isNoContent());
        verify(checkpoints).upload(eq("peer"), argThat(bytes -> bytes.length == 2), eq(Preconditions.NONE));
        verify(checkpoints).delete("c1");
    }

    @Test
    void ifMatchAndIfNoneMatchReachTheServiceAsStrongVersions() throws Exception {
        given(checkpoints.upload(eq("peer"), any(), any())).willReturn(new CheckpointService.Uploaded(MANIFEST, true));
        given(checkpoints.download(eq("c1"), any()))
            .willReturn(new CheckpointService.Download(MANIFEST, new byte[] { 1, 2, 3 }));

        mvc.perform(put("/checkpoints/peer/file").contentType(MediaType.APPLICATION_OCTET_STREAM)
            .header("If-Match", "\"abc\", W/\"weak\"")
            .header("If-Match", "\"def\"")
            .content(new byte[] { 7 })).andExpect(status().isOk()).andExpect(header().doesNotExist("Location"));
        mvc.perform(put("/checkpoints/peer/file").contentType(MediaType.APPLICATION_OCTET_STREAM)
            .header("If-None-Match", "*")
            .content(new byte[] { 7 })).andExpect(status().isOk());
        mvc.perform(get("/checkpoints/c1/file").header("If-Match", "*")).andExpect(status().isOk());
        mvc.perform(get("/checkpoints/c1/file").header("If-None-Match", "\"" + SHA + "\""))
            .andExpect(status().isNotModified());

        verify(checkpoints).upload(eq("peer"), any(), eq(new Preconditions(List.of("abc", "def"), false)));
        verify(checkpoints).upload(eq("peer"), any(), eq(new Preconditions(null, true)));
        verify(checkpoints).download(eq("c1"), eq(new Preconditions(List.of("*"), false)));
    }

    @Test
    void errorsAreProblems() throws Exception {
        given(checkpoints.manifest("nope")).willThrow(new CheckpointNotFoundException("there is no checkpoint 'nope'"));
        given(checkpoints.upload(eq("x"), any(), any()))
            .willThrow(new CheckpointRejectedException("dense/kernel", "no fit"));
        given(checkpoints.download(eq("x"), any())).willThrow(new PreconditionFailedException("If-Match", "other"));
        given(checkpoints.save()).willThrow(new StorageFullException(Path.of("/data"), "store x", 8192, 0, null));

        mvc.perform(get("/checkpoints/nope"))
            .andExpect(status().isNotFound())
            .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
            .andExpect(jsonPath("$.field").value("id"));
        mvc.perform(
                put("/checkpoints/x/file").contentType(MediaType.APPLICATION_OCTET_STREAM).content(new byte[] { 1 }))
            .andExpect(status().isUnprocessableContent())
            .andExpect(jsonPath("$.field").value("dense/kernel"));
        mvc.perform(put("/checkpoints/x/file").contentType(MediaType.APPLICATION_JSON).content("{}"))
            .andExpect(status().isUnsupportedMediaType());
        mvc.perform(post("/checkpoints")).andExpect(status().isMethodNotAllowed());
        mvc.perform(get("/checkpoints/x/file"))
            .andExpect(status().isPreconditionFailed())
            .andExpect(jsonPath("$.field").value("If-Match"));
        mvc.perform(post("/checkpoint/save"))
            .andExpect(status().isInsufficientStorage())
            .andExpect(jsonPath("$.detail")
                .value("not enough space in /data to store x: it needs 8192 bytes, " + "0 bytes are free"));
    }

}
