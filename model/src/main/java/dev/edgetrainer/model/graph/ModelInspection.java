package dev.edgetrainer.model.graph;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.Model;
import org.tensorflow.lite.schema.Operator;
import org.tensorflow.lite.schema.OperatorCode;
import org.tensorflow.lite.schema.SignatureDef;
import org.tensorflow.lite.schema.SubGraph;

/**
 * What a model is made of, read from its flatbuffer: the operators it uses and, per
 * signature, the custom operators (such as {@code FlexReluGrad}) that signature needs,
 * following CALL_ONCE, WHILE and IF into other subgraphs, and the operator that computes
 * each of its outputs (a {@code SOFTMAX} output holds probabilities). Run
 * {@link ModelValidator} first: indices are trusted here.
 *
 * @param outputOps per signature, per output name, the operator that writes it; absent
 * when no operator of the signature's subgraph does (an input or a constant)
 */
public record ModelInspection(Map<String, Integer> operatorCounts, Map<String, Set<String>> customOpsBySignature,
        Map<String, Map<String, String>> outputOps) {

    public ModelInspection {
        operatorCounts = Collections.unmodifiableMap(new TreeMap<>(operatorCounts));
        customOpsBySignature = Collections.unmodifiableMap(new LinkedHashMap<>(customOpsBySignature));
        outputOps = Collections.unmodifiableMap(new LinkedHashMap<>(outputOps));
    }

    public static ModelInspection of(byte[] bytes) {
        ModelValidator.validate(bytes);
        Model model = Model.getRootAsModel(ByteBuffer.wrap(bytes));
        Map<String, Integer> counts = new TreeMap<>();
        for (int s = 0; s < model.subgraphsLength(); s++) {
            SubGraph graph = model.subgraphs(s);
            for (int o = 0; o < graph.operatorsLength(); o++) {
                counts.merge(name(model.operatorCodes((int) graph.operators(o).opcodeIndex())), 1, Integer::sum);
            }
        }
        Map<String, Set<String>> custom = new LinkedHashMap<>();
        Map<String, Map<String, String>> producers = new LinkedHashMap<>();
        for (int i = 0; i < model.signatureDefsLength(); i++) {
            SignatureDef signature = model.signatureDefs(i);
            custom.put(signature.signatureKey(), customOpsReachable(model, (int) signature.subgraphIndex()));
            producers.put(signature.signatureKey(), outputProducers(model, signature));
        }
        return new ModelInspection(counts, custom, producers);
    }

    /**
     * The operator that writes an output of a signature, e.g. {@code SOFTMAX}; empty when
     * none does.
     */
    public Optional<String> outputOp(String signature, String output) {
        return Optional.ofNullable(outputOps.getOrDefault(signature, Map.of()).get(output));
    }

    private static Map<String, String> outputProducers(Model model, SignatureDef signature) {
        SubGraph graph = model.subgraphs((int) signature.subgraphIndex());
        Map<String, String> producers = new LinkedHashMap<>();
        for (int i = 0; i < signature.outputsLength(); i++) {
            long tensor = signature.outputs(i).tensorIndex();
            for (int o = graph.operatorsLength() - 1; o >= 0; o--) {
                Operator op = graph.operators(o);
                if (writes(op, tensor)) {
                    producers.put(signature.outputs(i).name(), name(model.operatorCodes((int) op.opcodeIndex())));
                    break;
                }
            }
        }
        return Collections.unmodifiableMap(producers);
    }

    private static boolean writes(Operator op, long tensor) {
        for (int i = 0; i < op.outputsLength(); i++) {
            if (op.outputs(i) == tensor) {
                return true;
            }
        }
        return false;
    }

    /** Every custom operator any signature needs, sorted. */
    public Set<String> customOps() {
        Set<String> all = new TreeSet<>();
        customOpsBySignature.values().forEach(all::addAll);
        return all;
    }

    /**
     * The custom operators a signature needs that are not among {@code provided}, sorted.
     */
    public Set<String> missingOps(String signature, Set<String> provided) {
        Set<String> missing = new TreeSet<>(customOpsBySignature.getOrDefault(signature, Set.of()));
        missing.removeAll(provided);
        return missing;
    }

    private static Set<String> customOpsReachable(Model model, int start) {
        Set<String> custom = new TreeSet<>();
        Set<Integer> seen = new TreeSet<>();
        Deque<Integer> pending = new ArrayDeque<>(List.of(start));
        while (!pending.isEmpty()) {
            int index = pending.pop();
            if (!seen.add(index)) {
                continue;
            }
            SubGraph graph = model.subgraphs(index);
            for (int o = 0; o < graph.operatorsLength(); o++) {
                Operator op = graph.operators(o);
                OperatorCode code = model.operatorCodes((int) op.opcodeIndex());
                int builtin = Operators.builtinCode(code);
                if (builtin == BuiltinOperator.CUSTOM) {
                    custom.add(code.customCode());
                }
                else if (Operators.callsSubgraphs(builtin)) {
                    for (int callee : Operators.calledSubgraphs(builtin, op)) {
                        pending.push(callee);
                    }
                }
            }
        }
        return custom;
    }

    private static String name(OperatorCode code) {
        int builtin = Operators.builtinCode(code);
        if (builtin == BuiltinOperator.CUSTOM) {
            return code.customCode();
        }
        return builtin >= 0 && builtin < BuiltinOperator.names.length ? BuiltinOperator.names[builtin]
                : "BUILTIN_" + builtin;
    }
}
