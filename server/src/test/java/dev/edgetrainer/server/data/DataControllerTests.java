package dev.edgetrainer.server.data;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.inOrder;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

@WebMvcTest(DataController.class)
class DataControllerTests {

    private static final Map<String, Integer> CLASSES = new LinkedHashMap<>();

    static {
        CLASSES.put("T-shirt/top", 5);
        CLASSES.put("Trouser", 7);
        CLASSES.put("Ankle boot", 0);
    }

    private static final SampleStore.Summary SUMMARY = new SampleStore.Summary(12, 10, 2, CLASSES, 0, 9500, 1, 10_000,
            0.1, Instant.EPOCH, new SampleStore.Recovered(1, 40));

    @Autowired
    MockMvc mvc;

    @MockitoBean
    SampleStore store;

    @Test
    void showsTheCountsByClassName() throws Exception {
        given(store.summary()).willReturn(SUMMARY);
        given(store.dir()).willReturn(Path.of("/var/lib/edge-trainer/samples"));
        mvc.perform(get("/data"))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.samples").value(12))
            .andExpect(jsonPath("$.validation").value(2))
            .andExpect(jsonPath("$.classes['T-shirt/top']").value(5))
            .andExpect(jsonPath("$.classes['Trouser']").value(7))
            .andExpect(jsonPath("$.classes['Ankle boot']").value(0))
            .andExpect(jsonPath("$.recovered.records").value(1))
            .andExpect(jsonPath("$.dir").value("/var/lib/edge-trainer/samples"));
    }

    @Test
    void deleteClearsThenAnswersWhatIsLeft() throws Exception {
        given(store.summary()).willReturn(SUMMARY);
        given(store.dir()).willReturn(Path.of("/samples"));
        mvc.perform(delete("/data")).andExpect(status().isOk()).andExpect(jsonPath("$.samples").value(12));
        var order = inOrder(store);
        order.verify(store).clear();
        order.verify(store).summary();
    }

}
