package dev.edgetrainer.model.graph;

import java.util.function.Consumer;

import dev.edgetrainer.model.runtime.ModelException;
import dev.edgetrainer.model.runtime.TrainableModel;
import org.junit.jupiter.api.Test;
import org.tensorflow.lite.schema.CallOnceOptionsT;
import org.tensorflow.lite.schema.ModelT;
import org.tensorflow.lite.schema.OperatorT;
import org.tensorflow.lite.schema.SubGraphT;
import org.tensorflow.lite.schema.TensorT;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Each broken model here was seen to crash TFLite or corrupt memory; all must be refused
 * before loading.
 */
class ModelValidatorTests {

    private static final MlpSpec SPEC = new MlpSpec(new int[] { 4 }, new int[] { 3 }, 2, 0.1f, 1);

    @Test
    void acceptsWrittenModels() {
        assertThatCode(() -> ModelValidator.validate(MlpModelWriter.write(SPEC))).doesNotThrowAnyException();
    }

    @Test
    void rejectsASignatureWhoseSubgraphDoesNotExist() {
        assertRejected(model -> model.getSignatureDefs()[0].setSubgraphIndex(99), "refers to subgraph 99");
    }

    @Test
    void rejectsAnInitSubgraphThatCallsItself() {
        assertRejected(model -> {
            SubGraphT init = model.getSubgraphs()[4];
            OperatorT callOnce = model.getSubgraphs()[0].getOperators()[0];
            CallOnceOptionsT options = new CallOnceOptionsT();
            options.setInitSubgraphIndex(4);
            OperatorT self = new OperatorT();
            self.setOpcodeIndex(callOnce.getOpcodeIndex());
            self.setInputs(new int[0]);
            self.setOutputs(new int[0]);
            self.setBuiltinOptions(GraphBuilder.options(callOnce.getBuiltinOptions().getType(), options));
            OperatorT[] ops = init.getOperators();
            OperatorT[] withSelf = java.util.Arrays.copyOf(ops, ops.length + 1);
            withSelf[ops.length] = self;
            init.setOperators(withSelf);
        }, "calls itself");
    }

    @Test
    void rejectsAVariableUsedWithTwoShapes() {
        assertRejected(model -> {
            SubGraphT restore = model.getSubgraphs()[3];
            for (TensorT tensor : restore.getTensors()) {
                if (tensor.getName().equals("dense/kernel")) {
                    tensor.setShape(new int[] { 3, 4 });
                }
            }
        }, "variable '/dense/kernel' used with shape");
    }

    @Test
    void rejectsTensorIndicesOutOfRange() {
        assertRejected(model -> model.getSubgraphs()[1].getOperators()[2].setInputs(new int[] { 1000 }),
                "refers to tensor 1000");
    }

    @Test
    void rejectsConstantsSmallerThanTheirTensor() {
        assertRejected(model -> {
            for (TensorT tensor : model.getSubgraphs()[4].getTensors()) {
                if (tensor.getName().equals("dense/kernel/initial")) {
                    tensor.setShape(new int[] { 40, 3 });
                }
            }
        }, "bytes of data for 120 elements");
    }

    @Test
    void rejectsVariableTensorsAsOperatorOutputs() {
        assertRejected(model -> {
            SubGraphT infer = model.getSubgraphs()[1];
            int output = infer.getOperators()[infer.getOperators().length - 1].getOutputs()[0];
            infer.getTensors()[output].setIsVariable(true);
        }, "variable tensor");
    }

    @Test
    void rejectsOpcodeIndicesOutOfRange() {
        assertRejected(model -> model.getSubgraphs()[0].getOperators()[1].setOpcodeIndex(500), "opcode index 500");
    }

    private static void assertRejected(Consumer<ModelT> breakIt, String message) {
        ModelT model = ModelT.deserializeFromBinary(MlpModelWriter.write(SPEC));
        breakIt.accept(model);
        byte[] broken = model.serializeToBinary();
        assertThatThrownBy(() -> ModelValidator.validate(broken)).isInstanceOf(InvalidModelException.class)
            .hasMessageContaining(message);
        assertThatThrownBy(() -> TrainableModel.load(broken, "broken")).isInstanceOf(ModelException.class)
            .hasMessageContaining(message);
    }

}
