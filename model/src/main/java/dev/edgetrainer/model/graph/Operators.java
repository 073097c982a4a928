package dev.edgetrainer.model.graph;

import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.BuiltinOptions;
import org.tensorflow.lite.schema.CallOnceOptions;
import org.tensorflow.lite.schema.IfOptions;
import org.tensorflow.lite.schema.Operator;
import org.tensorflow.lite.schema.OperatorCode;
import org.tensorflow.lite.schema.WhileOptions;

/** Reading operators from the flatbuffer, shared by validation and inspection. */
final class Operators {

    private Operators() {
    }

    /**
     * The builtin code, whichever of the two fields holds it (codes of 127 and above live
     * in the new one).
     */
    static int builtinCode(OperatorCode code) {
        return Math.max(code.builtinCode(), code.deprecatedBuiltinCode());
    }

    /** Whether this operator runs other subgraphs (CALL_ONCE, WHILE, IF). */
    static boolean callsSubgraphs(int builtin) {
        return builtin == BuiltinOperator.CALL_ONCE || builtin == BuiltinOperator.WHILE
                || builtin == BuiltinOperator.IF;
    }

    /**
     * The subgraphs a CALL_ONCE, WHILE or IF operator runs, unchecked; {@code null} if
     * its options are missing or of the wrong type.
     */
    static int[] calledSubgraphs(int builtin, Operator op) {
        byte options = op.builtinOptionsType();
        if (builtin == BuiltinOperator.CALL_ONCE && options == BuiltinOptions.CallOnceOptions) {
            return new int[] { ((CallOnceOptions) op.builtinOptions(new CallOnceOptions())).initSubgraphIndex() };
        }
        if (builtin == BuiltinOperator.WHILE && options == BuiltinOptions.WhileOptions) {
            WhileOptions whileOptions = (WhileOptions) op.builtinOptions(new WhileOptions());
            return new int[] { whileOptions.condSubgraphIndex(), whileOptions.bodySubgraphIndex() };
        }
        if (builtin == BuiltinOperator.IF && options == BuiltinOptions.IfOptions) {
            IfOptions ifOptions = (IfOptions) op.builtinOptions(new IfOptions());
            return new int[] { ifOptions.thenSubgraphIndex(), ifOptions.elseSubgraphIndex() };
        }
        return null;
    }

}
