package dev.edgetrainer.server.inference;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import javax.imageio.ImageIO;

import dev.edgetrainer.model.tensor.DataType;
import dev.edgetrainer.model.tensor.TensorSpec;
import dev.edgetrainer.server.model.ModelEngine;
import dev.edgetrainer.server.model.ModelInfo;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

class RecentSamplesTests {

    private static final TensorSpec IMAGE = new TensorSpec("x", DataType.FLOAT32, new int[] { -1, 28, 28 });

    /** Sample {@code i} of a batch: every pixel {@code i / 100}. */
    private static final RecentSamples.SampleCopier FLAT = (index, out, offset) -> java.util.Arrays.fill(out, offset,
            offset + 6, index / 100f);

    @Test
    void keepsTheNewestTwentyFiveNewestFirst() {
        RecentSamples recent = new RecentSamples(2, 3);
        recent.record(RecentSamples.Source.TRAIN, 20, FLAT, index -> index % 10);
        recent.record(RecentSamples.Source.INFER, 10, FLAT, index -> -1);

        List<RecentSamples.Sample> kept = recent.newestFirst();

        assertThat(kept).hasSize(RecentSamples.SIZE);
        assertThat(kept.subList(0, 10)).allSatisfy(sample -> {
            assertThat(sample.source()).isEqualTo(RecentSamples.Source.INFER);
            assertThat(sample.label()).isEqualTo(-1);
        });
        assertThat(kept.get(0).input()[0]).isCloseTo(0.09f, org.assertj.core.data.Offset.offset(0.002f));
        // The oldest five training samples (0 to 4) made room.
        assertThat(kept.subList(10, 25)).extracting(RecentSamples.Sample::label)
            .containsExactly(9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 9, 8, 7, 6, 5);
    }

    @Test
    void aLargeBatchContributesTwentyFiveSamplesSpreadOverIt() {
        RecentSamples recent = new RecentSamples(2, 3);
        recent.record(RecentSamples.Source.TRAIN, 100, FLAT, index -> index);

        assertThat(recent.newestFirst()).extracting(RecentSamples.Sample::label)
            .containsExactly(96, 92, 88, 84, 80, 76, 72, 68, 64, 60, 56, 52, 48, 44, 40, 36, 32, 28, 24, 20, 16, 12, 8,
                    4, 0);
    }

    @Test
    void samplesAreKeptAsEightBitPixelsAndShownAsPngs() throws Exception {
        RecentSamples recent = new RecentSamples(2, 3);
        float[] values = { 0f, 0.5f, 1f, -3f, 7f, 0.25f };
        recent.record(RecentSamples.Source.INFER, 1,
                (index, out, offset) -> System.arraycopy(values, 0, out, offset, 6), index -> -1);

        RecentSamples.Sample sample = recent.newestFirst().get(0);

        assertThat(sample.input()).containsExactly(0f, 128 / 255f, 1f, 0f, 1f, 64 / 255f);
        String url = sample.pngDataUrl();
        assertThat(url).startsWith("data:image/png;base64,");
        BufferedImage png = ImageIO
            .read(new ByteArrayInputStream(Base64.getDecoder().decode(url.substring(url.indexOf(',') + 1))));
        assertThat(png.getWidth()).isEqualTo(3);
        assertThat(png.getHeight()).isEqualTo(2);
        assertThat(png.getRaster().getSample(1, 0, 0)).isEqualTo(128);
        assertThat(png.getRaster().getSample(2, 1, 0)).isEqualTo(64);
    }

    @Test
    void modelsWithoutSmallImageInputsKeepNothing() {
        RecentSamples recent = new RecentSamples(0, 0);
        recent.record(RecentSamples.Source.TRAIN, 5, FLAT, index -> 1);

        assertThat(recent.keepsImages()).isFalse();
        assertThat(recent.newestFirst()).isEmpty();
    }

    @Test
    void onlyModelsThatCanPredictTheGridKeepImages() {
        ModelInfo.Infer infer = new ModelInfo.Infer("infer", IMAGE, "output", null);

        assertThat(new RecentSamples(engineWith(infer)).keepsImages()).isTrue();
        // A train-only model could not predict the grid: nothing is kept.
        assertThat(new RecentSamples(engineWith(null)).keepsImages()).isFalse();
    }

    private static ModelEngine engineWith(ModelInfo.Infer infer) {
        ModelInfo info = mock(ModelInfo.class);
        given(info.imageSize()).willReturn(Optional.of(new int[] { 28, 28 }));
        given(info.inferSpec()).willReturn(Optional.ofNullable(infer));
        given(info.fixedBatch()).willReturn(-1);
        ModelEngine engine = mock(ModelEngine.class);
        given(engine.info()).willReturn(info);
        return engine;
    }

}
