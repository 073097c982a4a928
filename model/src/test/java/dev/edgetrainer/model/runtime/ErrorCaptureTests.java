package dev.edgetrainer.model.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.edgetrainer.model.graph.MlpModelWriter;
import dev.edgetrainer.model.graph.MlpSpec;
import dev.edgetrainer.model.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * TFLite's reports arrive as printf formats whose arguments Java cannot read: the
 * placeholders must not reach anyone.
 */
class ErrorCaptureTests {

    @AfterEach
    void clear() {
        ErrorCapture.clear();
    }

    @Test
    void placeholdersAreShownAsQuestionMarks() {
        ErrorCapture.reportFormat("num_input_elements != num_output_elements (%d != %d)");
        ErrorCapture.reportFormat("Type %s (%-3lld) is not supported: 100%% of %5.2f");

        assertThat(ErrorCapture.drain()).isEqualTo(
                ": num_input_elements != num_output_elements (? != ?); " + "Type ? (?) is not supported: 100% of ?");
    }

    @Test
    void aKernelCheckWhoseEveryPartIsAnArgumentIsSaidInWords() {
        ErrorCapture.reportFormat("%s:%d %s != %s (%d != %d)");
        ErrorCapture.reportFormat("%s:%d %s was not true.");

        assertThat(ErrorCapture.drain()).isEqualTo(": a check in a TFLite kernel failed (two values that must be "
                + "equal differ; its details are not available to Java); a check in a TFLite kernel failed (a "
                + "condition that must hold does not; its details are not available to Java)");
    }

    @Test
    void theGenericNodeTrailerIsDroppedAfterASpecificMessageAndWordedAlone() {
        ErrorCapture.report("FlexRestore: Restore: checkpoint /tmp/x.ckpt does not exist");
        ErrorCapture.reportFormat("Node number %d (%s) %s.");
        assertThat(ErrorCapture.drain()).isEqualTo(": FlexRestore: Restore: checkpoint /tmp/x.ckpt does not exist");

        ErrorCapture.reportFormat("Node number %d (%s) %s.");
        assertThat(ErrorCapture.drain()).isEqualTo(": " + ErrorCapture.NODE_FAILED);
    }

    @Test
    void aFailingRunReportsWhatFailedWithoutPlaceholders() throws Exception {
        MlpSpec spec = new MlpSpec(new int[] { 4 }, new int[0], 2, 0.1f, 1);
        byte[] bytes = MlpModelWriter.write(spec, MlpModelWriter.initialWeights(spec),
                MlpModelWriter.defaultSignatures(), MlpModelWriter.Checkpoints.path(1));
        Path missing = Files.createTempDirectory("capture").resolve("missing.ckpt");
        try (TrainableModel model = TrainableModel.load(bytes, "path-style")) {
            assertThatThrownBy(() -> model.run("restore",
                    Map.of("checkpoint_path", Tensor.ofStrings(new int[] { 1 }, new String[] { missing.toString() }))))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("checkpoint " + missing + " does not exist")
                .hasMessageNotContaining("%")
                .hasMessageNotContaining("Node number");
        }
    }

}
