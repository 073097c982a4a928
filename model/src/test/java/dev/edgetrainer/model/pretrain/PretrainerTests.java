package dev.edgetrainer.model.pretrain;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.edgetrainer.model.data.Dataset;
import dev.edgetrainer.model.data.IdxImages;
import dev.edgetrainer.model.graph.MlpModelWriter;
import dev.edgetrainer.model.graph.MlpSpec;
import dev.edgetrainer.model.runtime.TrainableModel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class PretrainerTests {

    @Test
    void lossFallsOnRealFashionMnist() throws Exception {
        assumeTrue(Files.isDirectory(Dataset.DEBIAN_DIR),
                "needs Debian package dataset-fashion-mnist at " + Dataset.DEBIAN_DIR + " (CI installs it)");
        Dataset all = Dataset.load(Dataset.DEBIAN_DIR, "train");
        Dataset train = head(all, 6000);
        Dataset test = head(Dataset.load(Dataset.DEBIAN_DIR, "t10k"), 2000);
        try (TrainableModel model = TrainableModel.load(MlpModelWriter.write(MlpSpec.fashionMnist()), "fashion")) {
            double before = Pretrainer.accuracy(model, test, 500);
            List<Double> stepLosses = new ArrayList<>();
            List<Double> epochLosses = Pretrainer.train(model, train, 10, 2, 100,
                    (epoch, epochs, step, steps, loss) -> stepLosses.add(loss));
            assertThat(stepLosses).hasSize(2 * 60);
            assertThat(epochLosses).hasSize(2).allSatisfy(loss -> assertThat(loss).isFinite());
            double first = stepLosses.subList(0, 10).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            double last = stepLosses.subList(110, 120)
                .stream()
                .mapToDouble(Double::doubleValue)
                .average()
                .orElseThrow();
            assertThat(last).isLessThan(first * 0.6);
            double after = Pretrainer.accuracy(model, test, 500);
            assertThat(before).isLessThan(0.3);
            assertThat(after).isGreaterThan(0.65);
        }
    }

    @Test
    void keepsTheRemainderAsALastSmallerBatch() {
        Dataset data = new Dataset(new IdxImages(7, 28, 28, new byte[7 * 784]), new byte[7]);
        List<Integer> stepsSeen = new ArrayList<>();
        try (TrainableModel model = TrainableModel
            .load(MlpModelWriter.write(new MlpSpec(new int[] { 28, 28 }, new int[] { 4 }, 10, 0.01f, 1)), "m")) {
            Pretrainer.train(model, data, 10, 1, 3, (epoch, epochs, step, steps, loss) -> stepsSeen.add(steps));
        }
        assertThat(stepsSeen).containsExactly(3, 3, 3);
    }

    @Test
    void rejectsImagesTheModelDoesNotTake() {
        Dataset data = new Dataset(new IdxImages(2, 8, 8, new byte[2 * 64]), new byte[2]);
        try (TrainableModel model = TrainableModel.load(MlpModelWriter.write(MlpSpec.fashionMnist()), "m")) {
            assertThatThrownBy(() -> Pretrainer.train(model, data, 10, 1, 1, (a, b, c, d, e) -> {
            })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("8x8");
        }
    }

    private static Dataset head(Dataset data, int n) {
        IdxImages images = data.images();
        return new Dataset(
                new IdxImages(n, images.rows(), images.cols(),
                        Arrays.copyOf(images.pixels(), n * images.rows() * images.cols())),
                Arrays.copyOf(data.labels(), n));
    }

}
