package dev.edgetrainer.server.model;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.stream.Stream;

import dev.edgetrainer.model.graph.MlpModelWriter;
import dev.edgetrainer.model.graph.MlpSpec;
import dev.edgetrainer.model.graph.MlpSpec.Head;
import dev.edgetrainer.server.RunningServer;
import dev.edgetrainer.server.TestFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A model the server cannot host stops startup with Spring Boot's own report: what is
 * wrong and what to do, in a paragraph each, without stack frames.
 */
@ExtendWith(OutputCaptureExtension.class)
class StartupFailureTests {

    @TempDir
    Path dir;

    private void assertReport(CapturedOutput output, Path model, String description, String action, String... args) {
        assertThatThrownBy(() -> RunningServer.start(model, dir.resolve("checkpoints"), args).close())
            .satisfies(failure -> assertThat(Stream.iterate(failure, Objects::nonNull, Throwable::getCause))
                .hasAtLeastOneElementOfType(ModelHostingException.class));
        assertThat(output.getOut()).contains("APPLICATION FAILED TO START")
            .contains("Description:")
            .contains(description)
            .contains("Action:")
            .contains(action);
        assertThat(output.getAll()).doesNotContain("\tat ");
    }

    @Test
    void aModelPathThatDoesNotExist(CapturedOutput output) {
        Path missing = dir.resolve("no-such.tflite");
        assertReport(output, missing, "edge.model.path is '" + missing + "', but no such file exists.",
                "Set edge.model.path (or EDGE_MODEL_PATH) to the .tflite file to host, or remove it to host the "
                        + "bundled Fashion-MNIST model.");
    }

    @Test
    void aFileThatFailsVerification(CapturedOutput output) {
        byte[] truncated = MlpModelWriter.write(TestFixtures.SMALL);
        Path model = TestFixtures.writeModel(dir, "truncated.tflite", Arrays.copyOf(truncated, truncated.length / 2));
        assertReport(output, model, "The model " + model + " cannot be loaded: ",
                "is a complete TensorFlow Lite flatbuffer");
    }

    @Test
    void aRoleMappedToASignatureTheModelLacks(CapturedOutput output) {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        assertReport(output, model,
                "The model " + model + " cannot be hosted: edge.model.signatures.train is 'fit', but the model has "
                        + "no signature 'fit'; its signatures are [train, infer, save, restore].",
                "Set edge.model.signatures.train to one of [train, infer, save, restore], or remove it to use the "
                        + "signature named 'train'.",
                "--edge.model.signatures.train=fit");
    }

    @Test
    void aClassNameCountThatDoesNotMatch(CapturedOutput output) {
        Path model = TestFixtures.writeModel(dir, TestFixtures.SMALL);
        assertReport(output, model,
                "edge.model.class-names lists 3 names (cat, dog, cow), but the model's output is read as "
                        + "probabilities with 10 classes (infer output 'output': 10 values per sample from a SOFTMAX)",
                "Set edge.model.class-names to 10 names in the order of the model's outputs, or "
                        + "edge.model.output=regression if the values are not classes.",
                "--edge.model.class-names=cat,dog,cow");
    }

    @Test
    void classNamesForAModelThatPredictsValues(CapturedOutput output) {
        MlpSpec line = new MlpSpec(new int[] { 1 }, new int[0], 1, 0.1f, 1, Head.LINEAR);
        Path model = TestFixtures.writeModel(dir, "line.tflite", MlpModelWriter.write(line));
        assertReport(output, model, "its values have no classes", "Remove edge.model.class-names",
                "--edge.model.class-names=y");
    }

}
