package dev.edgetrainer.model.graph;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import dev.edgetrainer.model.runtime.SharedModels;
import dev.edgetrainer.model.runtime.TrainableModel;
import dev.edgetrainer.model.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PretrainingHistoryTests {

    private static final MlpSpec SMALL = new MlpSpec(new int[] { 3, 4 }, new int[] { 5 }, 3, 0.1f, 7);

    private static final PretrainingHistory HISTORY = new PretrainingHistory(600, 50, List.of(0.9, 0.61, 0.4375));

    @Test
    void aWrittenModelCarriesItsHistoryAndStillRuns() {
        Map<String, float[]> weights = MlpModelWriter.initialWeights(SMALL);
        byte[] bytes = MlpModelWriter.write(SMALL, weights, HISTORY);

        assertThat(PretrainingHistory.read(bytes)).contains(HISTORY);
        try (TrainableModel model = TrainableModel.load(bytes, "with history")) {
            float[] plain;
            try (TrainableModel without = TrainableModel.load(MlpModelWriter.write(SMALL, weights), "without")) {
                plain = without.run("infer", Map.of("x", Tensor.ofFloats(new int[] { 1, 3, 4 }, new float[12])))
                    .get("logits")
                    .floats();
            }
            assertThat(model.run("infer", Map.of("x", Tensor.ofFloats(new int[] { 1, 3, 4 }, new float[12])))
                .get("logits")
                .floats()).containsExactly(plain);
        }
    }

    @Test
    void theHistoryIsJsonUnderItsOwnMetadataName() {
        byte[] bytes = MlpModelWriter.write(SMALL, MlpModelWriter.initialWeights(SMALL), HISTORY);

        String json = "{\"samples\":600,\"batchSize\":50,\"epochLosses\":[0.9,0.61,0.4375]}";
        assertThat(new String(HISTORY.toJson(), StandardCharsets.UTF_8)).isEqualTo(json);
        // Checked as booleans: a failure must not print a whole model.
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        assertThat(text.contains(PretrainingHistory.METADATA_NAME)).isTrue();
        assertThat(text.contains(json)).isTrue();
    }

    @Test
    void theSameHistoryGivesTheSameBytes() {
        Map<String, float[]> weights = MlpModelWriter.initialWeights(SMALL);

        assertThat(MlpModelWriter.write(SMALL, weights, HISTORY)).isEqualTo(MlpModelWriter.write(SMALL, weights,
                new PretrainingHistory(600, 50, new ArrayList<>(List.of(0.9, 0.61, 0.4375)))));
        assertThat(MlpModelWriter.write(SMALL, weights, HISTORY))
            .isNotEqualTo(MlpModelWriter.write(SMALL, weights, new PretrainingHistory(600, 50, List.of(0.9, 0.6))));
    }

    @Test
    void modelsWithoutAHistoryHaveNoneAndKeepTheirBytes() throws Exception {
        byte[] plain = MlpModelWriter.write(SMALL);

        assertThat(PretrainingHistory.read(plain)).isEmpty();
        assertThat(new String(plain, StandardCharsets.ISO_8859_1).contains(PretrainingHistory.METADATA_NAME)).isFalse();
        for (String converted : List.of("tutorial-mnist-flex.tflite", "linear-builtin.tflite")) {
            assertThat(PretrainingHistory.read(Files.readAllBytes(SharedModels.require(converted)))).as(converted)
                .isEmpty();
        }
    }

    @Test
    void anUnreadableHistoryIsAnInvalidModelNamingTheEntry() {
        for (String json : List.of("not json", "{\"samples\":0,\"batchSize\":1,\"epochLosses\":[1]}",
                "{\"samples\":1,\"batchSize\":1,\"epochLosses\":[]}", "{\"samples\":1,\"batchSize\":1}",
                "{\"samples\":1,\"batchSize\":1,\"epochLosses\":[\"x\"]}", "[]", "")) {
            GraphBuilder builder = new GraphBuilder();
            builder.subgraph("main").finish("main");
            builder.metadata(PretrainingHistory.METADATA_NAME, json.getBytes(StandardCharsets.UTF_8));

            assertThatThrownBy(() -> PretrainingHistory.read(builder.build())).as(json)
                .isInstanceOf(InvalidModelException.class)
                .hasMessageContaining(PretrainingHistory.METADATA_NAME);
        }
    }

    @Test
    void newerFieldsAreIgnored() {
        PretrainingHistory read = PretrainingHistory
            .fromJson("{\"samples\":10,\"batchSize\":5,\"epochLosses\":[1.5],\"dataset\":\"fashion-mnist\"}"
                .getBytes(StandardCharsets.UTF_8));

        assertThat(read).isEqualTo(new PretrainingHistory(10, 5, List.of(1.5)));
    }

    @Test
    void onlyFiniteLossesOfAtMostMaxEpochsAreAHistory() {
        assertThatThrownBy(() -> new PretrainingHistory(10, 5, List.of(1.0, Double.NaN)))
            .hasMessageContaining("epoch 2");
        assertThatThrownBy(() -> new PretrainingHistory(10, 5, List.of())).hasMessageContaining("1 to");
        assertThatThrownBy(
                () -> new PretrainingHistory(10, 5, Collections.nCopies(PretrainingHistory.MAX_EPOCHS + 1, 1.0)))
            .hasMessageContaining("100000");
        assertThatThrownBy(() -> new PretrainingHistory(10, 0, List.of(1.0))).hasMessageContaining("batch");
    }

}
