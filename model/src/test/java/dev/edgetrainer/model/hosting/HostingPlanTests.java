package dev.edgetrainer.model.hosting;

import java.util.List;
import java.util.Map;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import dev.edgetrainer.model.graph.MlpModelWriter;
import dev.edgetrainer.model.graph.MlpModelWriter.Role;
import dev.edgetrainer.model.graph.MlpSpec;
import dev.edgetrainer.model.graph.MlpSpec.Head;
import dev.edgetrainer.model.hosting.HostingPlan.Problem;
import dev.edgetrainer.model.hosting.HostingPlan.Targets;
import dev.edgetrainer.model.runtime.SharedModels;
import dev.edgetrainer.model.runtime.TrainableModel;
import dev.edgetrainer.model.tensor.DataType;
import dev.edgetrainer.model.tensor.TensorSpec;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the server would host each shape of model: models written for each case (heads,
 * role keys, checkpoint styles) and the converter-made ones of ../shared/models.
 */
class HostingPlanTests {

    private static final MlpSpec CLASSIFIER = new MlpSpec(new int[] { 4 }, new int[] { 3 }, 3, 0.1f, 1);

    private static final HostingSettings DERIVED = HostingSettings.derived();

    private static HostingPlan plan(byte[] model, HostingSettings settings) {
        try (TrainableModel loaded = TrainableModel.load(model, "test model")) {
            return HostingPlan.of(loaded, settings);
        }
    }

    private static byte[] write(MlpSpec spec, Map<Role, String> keys) {
        return MlpModelWriter.write(spec, MlpModelWriter.initialWeights(spec), keys);
    }

    private static HostingSettings roles(String infer, String train, String save, String restore) {
        return new HostingSettings(infer, train, save, restore, null, List.of(), List.of());
    }

    private static HostingSettings output(OutputKind kind, String... names) {
        return new HostingSettings(null, null, null, null, kind, List.of(names), List.of());
    }

    private static String problems(HostingPlan plan) {
        return String.join("\n",
                plan.problems().stream().map(p -> p.description() + " / ACTION: " + p.action()).toList());
    }

    @Test
    void theTutorialsSignaturesPlayTheirRolesAndASoftmaxOutputIsProbabilities() {
        HostingPlan plan = plan(MlpModelWriter.write(CLASSIFIER), DERIVED);

        assertThat(plan.hostable()).as(problems(plan)).isTrue();
        assertThat(plan.infer().orElseThrow().signature()).isEqualTo("infer");
        assertThat(plan.infer().orElseThrow().logits()).isEqualTo("logits");
        assertThat(plan.train().orElseThrow().targets()).isEqualTo(Targets.ONE_HOT);
        assertThat(plan.checkpoints().style()).isEqualTo(CheckpointStyle.TENSORS);
        assertThat(plan.output().kind()).isEqualTo(OutputKind.PROBABILITIES);
        assertThat(plan.output().reason()).contains("SOFTMAX");
        assertThat(plan.output().classNames()).containsExactly("0", "1", "2");
        assertThat(plan.suggestedSettings()).containsExactly("edge.model.class-names=<3 names, in output order>");
        assertThat(plan.notes()).isEmpty();
    }

    @Test
    void unconfiguredClassNamesFallBackToTheGivenOnesWhenTheyFitElseToIndices() {
        HostingSettings fallback = new HostingSettings(null, null, null, null, null, List.of(),
                List.of("cat", "dog", "cow"));
        assertThat(plan(MlpModelWriter.write(CLASSIFIER), fallback).output().classNames()).containsExactly("cat", "dog",
                "cow");
        HostingSettings other = new HostingSettings(null, null, null, null, null, List.of(), List.of("a", "b"));
        assertThat(plan(MlpModelWriter.write(CLASSIFIER), other).output().classNames()).containsExactly("0", "1", "2");
    }

    @Test
    void aModelWithoutInferIsHostedForTrainingAndCheckpoints() {
        Map<Role, String> flower = MlpModelWriter.defaultSignatures();
        flower.remove(Role.INFER);
        flower.put(Role.SAVE, "parameters");

        HostingPlan plan = plan(write(CLASSIFIER, flower), DERIVED);

        assertThat(plan.hostable()).as(problems(plan)).isTrue();
        assertThat(plan.infer()).isEmpty();
        assertThat(plan.notes()).anySatisfy(note -> assertThat(note).contains("no 'infer' signature")
            .contains("edge.model.signatures.infer")
            .contains("[train, parameters, restore]"));
        assertThat(plan.train().orElseThrow().targets()).isEqualTo(Targets.ONE_HOT);
        assertThat(plan.checkpoints().save()).isEqualTo("parameters");
        assertThat(plan.checkpoints().style()).isEqualTo(CheckpointStyle.TENSORS);
        assertThat(plan.output().kind()).isEqualTo(OutputKind.PROBABILITIES);
        assertThat(plan.output().reason()).contains("train's y");
    }

    @Test
    void rolesMapToSignaturesOfAnyName() {
        Map<Role, String> keys = Map.of(Role.TRAIN, "fit", Role.INFER, "predict", Role.SAVE, "weights_out",
                Role.RESTORE, "weights_in");
        byte[] model = write(CLASSIFIER, keys);
        assertThat(plan(model, DERIVED).hostable()).isFalse();

        HostingPlan plan = plan(model, roles("predict", "fit", "weights_out", "weights_in"));

        assertThat(plan.hostable()).as(problems(plan)).isTrue();
        assertThat(plan.infer().orElseThrow().signature()).isEqualTo("predict");
        assertThat(plan.train().orElseThrow().signature()).isEqualTo("fit");
        assertThat(plan.checkpoints().save()).isEqualTo("weights_out");
        assertThat(plan.checkpoints().restore()).isEqualTo("weights_in");
    }

    @Test
    void aRoleMappedToAMissingOrUnfitSignatureIsAProblemWithAnAction() {
        byte[] model = MlpModelWriter.write(CLASSIFIER);

        List<Problem> missing = plan(model, roles("predict", null, null, null)).problems();
        assertThat(missing).singleElement().satisfies(problem -> {
            assertThat(problem.description()).isEqualTo("edge.model.signatures.infer is 'predict', but the model has "
                    + "no signature 'predict'; its signatures are [train, infer, save, restore]");
            assertThat(problem.action()).contains("Set edge.model.signatures.infer to one of");
        });
        assertThat(plan(model, roles("save", null, null, null)).problems()).singleElement()
            .satisfies(problem -> assertThat(problem.description()).contains("cannot play the infer role"));
        assertThat(plan(model, roles(null, null, "train", "restore")).problems()).singleElement()
            .satisfies(problem -> assertThat(problem.description()).contains("do not form a checkpoint pair"));
    }

    @Test
    void aTrainSignatureTakingOneValuePerSampleTakesClassIndices() {
        HostingPlan plan = plan(MlpModelWriter.write(CLASSIFIER.withHead(Head.SPARSE_SOFTMAX)), DERIVED);

        assertThat(plan.hostable()).as(problems(plan)).isTrue();
        assertThat(plan.output().kind()).isEqualTo(OutputKind.PROBABILITIES);
        assertThat(plan.train().orElseThrow().y().shape()).containsExactly(-1);
        assertThat(plan.train().orElseThrow().targets()).isEqualTo(Targets.CLASS_INDEX);
    }

    @Test
    void aSigmoidOutputIsBinaryAndTakesTwoClassNames() {
        MlpSpec binary = new MlpSpec(new int[] { 4 }, new int[] { 3 }, 1, 0.1f, 1, Head.SIGMOID);
        byte[] model = MlpModelWriter.write(binary);

        HostingPlan derived = plan(model, DERIVED);
        assertThat(derived.output().kind()).isEqualTo(OutputKind.BINARY);
        assertThat(derived.output().reason()).contains("sigmoid (LOGISTIC)");
        assertThat(derived.output().classNames()).containsExactly("0", "1");
        assertThat(derived.train().orElseThrow().targets()).isEqualTo(Targets.PROBABILITY);
        assertThat(plan(model, output(null, "healthy", "faulty")).output().classNames()).containsExactly("healthy",
                "faulty");

        HostingPlan three = plan(model, output(null, "a", "b", "c"));
        assertThat(three.problems()).singleElement().satisfies(problem -> {
            assertThat(problem.description()).contains("class-names lists 3 names (a, b, c)")
                .contains("read as binary with 2 classes");
            assertThat(problem.action()).contains("2 names").contains("negative first");
        });
    }

    @Test
    void oneLinearValueIsRegressionWithoutClassNames() {
        MlpSpec regression = new MlpSpec(new int[] { 1 }, new int[0], 1, 0.1f, 1, Head.LINEAR);
        byte[] model = MlpModelWriter.write(regression);

        HostingPlan plan = plan(model, DERIVED);
        assertThat(plan.output().kind()).isEqualTo(OutputKind.REGRESSION);
        assertThat(plan.output().classNames()).isEmpty();
        assertThat(plan.train().orElseThrow().targets()).isEqualTo(Targets.VALUES);
        assertThat(plan.suggestedSettings()).isEmpty();

        assertThat(plan(model, output(null, "y")).problems()).singleElement().satisfies(problem -> {
            assertThat(problem.description()).contains("read as regression").contains("have no classes");
            assertThat(problem.action()).contains("Remove edge.model.class-names");
        });
        assertThat(plan(model, output(null, "no", "yes")).output().kind()).isEqualTo(OutputKind.BINARY);
    }

    @Test
    void anOutputKindThatDoesNotFitTheOutputIsAProblem() {
        MlpSpec twoValues = new MlpSpec(new int[] { 4 }, new int[0], 2, 0.1f, 1, Head.LINEAR);
        byte[] model = MlpModelWriter.write(twoValues);

        assertThat(plan(model, DERIVED).output().kind()).isEqualTo(OutputKind.LOGITS);
        HostingPlan regression = plan(model, output(OutputKind.REGRESSION));
        assertThat(regression.output().kind()).isEqualTo(OutputKind.REGRESSION);
        assertThat(regression.train().orElseThrow().targets()).isEqualTo(Targets.VALUES);
        assertThat(plan(model, output(OutputKind.BINARY)).problems()).singleElement()
            .satisfies(problem -> assertThat(problem.description())
                .isEqualTo("edge.model.output is binary, but the model's infer output 'output' has 2 values per "
                        + "sample; binary needs exactly one"));
    }

    @Test
    void aClassNameCountThatDoesNotMatchIsAProblem() {
        HostingPlan plan = plan(MlpModelWriter.write(CLASSIFIER), output(null, "a", "b"));

        assertThat(plan.hostable()).isFalse();
        assertThat(plan.problems()).singleElement().satisfies(problem -> {
            assertThat(problem.description()).startsWith("edge.model.class-names lists 2 names (a, b), but the "
                    + "model's output is read as probabilities with 3 classes (infer output 'output': 3 values per "
                    + "sample from a SOFTMAX)");
            assertThat(problem.action()).contains("Set edge.model.class-names to 3 names")
                .contains("edge.model.output=regression");
        });
    }

    @Test
    void pathStyleCheckpointsReportTheirPathInput() {
        byte[] model = MlpModelWriter.write(CLASSIFIER, MlpModelWriter.initialWeights(CLASSIFIER),
                MlpModelWriter.defaultSignatures(), MlpModelWriter.Checkpoints.path(1));

        HostingPlan.Checkpoints checkpoints = plan(model, DERIVED).checkpoints();

        assertThat(checkpoints.style()).isEqualTo(CheckpointStyle.PATH);
        assertThat(checkpoints.path()).isEqualTo(new TensorSpec("checkpoint_path", DataType.STRING, new int[] { 1 }));
    }

    @Test
    void aModelWithNeitherInferNorTrainCannotBeHosted() {
        HostingPlan plan = plan(write(CLASSIFIER, Map.of(Role.SAVE, "save", Role.RESTORE, "restore")), DERIVED);

        assertThat(plan.problems()).singleElement()
            .satisfies(problem -> assertThat(problem.description()).contains("neither an infer nor a train role"));
    }

    @Test
    void converterMadeModelsOfSharedModelsCanBeHosted() throws Exception {
        try (TrainableModel tutorial = TrainableModel.load(SharedModels.require("tutorial-mnist-flex.tflite"))) {
            HostingPlan plan = HostingPlan.of(tutorial, DERIVED);
            assertThat(plan.hostable()).as(problems(plan)).isTrue();
            assertThat(plan.output().kind()).isEqualTo(OutputKind.PROBABILITIES);
            assertThat(plan.checkpoints().style()).isEqualTo(CheckpointStyle.PATH);
            assertThat(plan.missingOps()).isEmpty();
        }
        try (TrainableModel linear = TrainableModel.load(SharedModels.require("linear-builtin.tflite"))) {
            HostingPlan plan = HostingPlan.of(linear, DERIVED);
            assertThat(plan.hostable()).as(problems(plan)).isTrue();
            assertThat(plan.output().kind()).isEqualTo(OutputKind.REGRESSION);
            assertThat(plan.checkpoints().save()).isEqualTo("get_weights");
        }
    }

}
