package dev.edgetrainer.server.federated;

import java.time.Duration;
import java.time.Instant;

import dev.edgetrainer.server.system.EdgeProperties;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.util.unit.DataSize;

import static org.mockito.BDDMockito.given;
import static org.mockito.BDDMockito.willThrow;
import static org.mockito.Mockito.verify;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

@WebMvcTest(FederatedController.class)
class FederatedControllerTests {

    private static final EdgeProperties.Federated SETTINGS = new EdgeProperties.Federated(true, "flower:9092", null, 1,
            32, EdgeProperties.Adopt.IF_BETTER,
            new EdgeProperties.Reconnect(Duration.ofSeconds(1), Duration.ofSeconds(60)), DataSize.ofMegabytes(512),
            Duration.ofSeconds(30));

    @Autowired
    MockMvc mvc;

    @MockitoBean
    FlowerClient client;

    @MockitoBean
    FederatedStatus status;

    @Test
    void showsTheClientsStateAndHistory() throws Exception {
        given(status.settings()).willReturn(SETTINGS);
        given(status.state()).willReturn(FederatedStatus.State.CONNECTED);
        given(status.activity()).willReturn(FederatedStatus.Activity.FITTING);
        given(status.rounds()).willReturn(4L);
        given(status.lastAdoption()).willReturn(new FederatedStatus.Adoption(3L, Instant.EPOCH, "c3"));
        given(status.lastError()).willReturn(new FederatedStatus.Failure(Instant.EPOCH, "invalid_input", "fit: shape"));
        mvc.perform(get("/federated"))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.server").value("flower:9092"))
            .andExpect(jsonPath("$.adopt").value("IF_BETTER"))
            .andExpect(jsonPath("$.state").value("CONNECTED"))
            .andExpect(jsonPath("$.activity").value("FITTING"))
            .andExpect(jsonPath("$.rounds").value(4))
            .andExpect(jsonPath("$.lastAdoption.checkpoint").value("c3"))
            .andExpect(jsonPath("$.lastError.reason").value("invalid_input"));
    }

    @Test
    void connectsAndDisconnectsOnRequest() throws Exception {
        given(status.settings()).willReturn(SETTINGS);
        given(status.state()).willReturn(FederatedStatus.State.CONNECTING);
        mvc.perform(post("/federated/connect"))
            .andExpect(status().isOk())
            .andExpect(jsonPath("$.state").value("CONNECTING"));
        verify(client).connect();
        mvc.perform(post("/federated/disconnect")).andExpect(status().isOk());
        verify(client).disconnect();
    }

    @Test
    void connectingWithoutAServerIsAConflict() throws Exception {
        willThrow(new FederatedNotConfiguredException()).given(client).connect();
        mvc.perform(post("/federated/connect"))
            .andExpect(status().isConflict())
            .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("edge.federated.server")));
    }

}
