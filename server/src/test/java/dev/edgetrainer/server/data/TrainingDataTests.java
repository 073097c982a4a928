package dev.edgetrainer.server.data;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TrainingDataTests {

    @Test
    void aSpreadTakesEveryKthSampleWithItsTarget() {
        byte[] pixels = new byte[10 * 2];
        float[] y = new float[10];
        for (int i = 0; i < 10; i++) {
            pixels[2 * i] = (byte) i;
            pixels[2 * i + 1] = (byte) (100 + i);
            y[i] = i;
        }
        TrainingData data = TrainingData.ofPixels(pixels, y, 10);
        TrainingData spread = data.spread(4);
        assertThat(spread.count()).isEqualTo(4);
        assertThat(spread.pixels()).containsExactly(0, 100, 2, 102, 5, 105, 7, 107);
        assertThat(spread.y()).containsExactly(0, 2, 5, 7);
        assertThat(data.spread(10)).isSameAs(data);
        TrainingData floats = TrainingData.ofFloats(new float[] { 1, 2, 3 }, new float[] { 4, 5, 6 }, 3).spread(2);
        assertThat(floats.x()).containsExactly(1, 2);
        assertThat(floats.y()).containsExactly(4, 5);
    }

}
