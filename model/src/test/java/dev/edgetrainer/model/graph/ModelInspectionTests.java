package dev.edgetrainer.model.graph;

import java.nio.file.Files;
import java.util.Set;

import dev.edgetrainer.model.runtime.SharedModels;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ModelInspectionTests {

    @Test
    void writtenModelsUseBuiltinsOnly() {
        ModelInspection inspection = ModelInspection.of(MlpModelWriter.write(MlpSpec.fashionMnist()));
        assertThat(inspection.customOps()).isEmpty();
        assertThat(inspection.operatorCounts()).containsKeys("VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE",
                "CALL_ONCE", "FULLY_CONNECTED", "TRANSPOSE", "LOG_SOFTMAX");
        assertThat(inspection.operatorCounts().get("CALL_ONCE")).isEqualTo(4);
        assertThat(inspection.customOpsBySignature().keySet()).containsExactlyInAnyOrder("train", "infer", "save",
                "restore");
    }

    @Test
    void findsTheFlexOpsEachTutorialSignatureNeeds() throws Exception {
        byte[] bytes = Files.readAllBytes(SharedModels.require("tutorial-mnist-flex.tflite"));
        ModelInspection inspection = ModelInspection.of(bytes);
        assertThat(inspection.customOps()).containsExactly("FlexReluGrad", "FlexRestore", "FlexSave");
        assertThat(inspection.customOpsBySignature().get("train")).containsExactly("FlexReluGrad");
        assertThat(inspection.customOpsBySignature().get("infer")).isEmpty();
        assertThat(inspection.missingOps("save", Set.of())).containsExactly("FlexSave");
        assertThat(inspection.missingOps("restore", Set.of("FlexRestore"))).isEmpty();
    }

}
