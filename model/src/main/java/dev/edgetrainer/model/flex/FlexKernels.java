package dev.edgetrainer.model.flex;

import java.nio.ByteBuffer;
import java.util.Set;
import java.util.TreeSet;

import com.google.flatbuffers.FlexBuffers;

/**
 * Java implementations of the TensorFlow ops that converted trainable models call through
 * the Flex delegate ({@code SELECT_TF_OPS}), which no Linux Java build of TFLite ships.
 * The runtime registers each as a custom op.
 */
public final class FlexKernels {

    /** The custom op names provided, as the converter names them. */
    public static final Set<String> SUPPORTED = Set.copyOf(new TreeSet<>(Set.of("FlexReluGrad", "FlexSigmoidGrad",
            "FlexTanhGrad", "FlexSoftmaxCrossEntropyWithLogits", "FlexSparseSoftmaxCrossEntropyWithLogits",
            "FlexBroadcastGradientArgs", "FlexSave", "FlexSaveV2", "FlexRestore", "FlexRestoreV2")));

    private static final int DT_FLOAT = 1;

    private FlexKernels() {
    }

    /**
     * A kernel for one node, from its custom op name and custom options (a FlexBuffer
     * vector of the TF op name and the serialized {@code NodeDef}).
     * @throws FlexOpException if the op is not supported or its options do not describe
     * it
     */
    public static FlexKernel create(String customOp, byte[] customOptions) {
        if (!SUPPORTED.contains(customOp)) {
            throw new FlexOpException("custom op " + customOp + " is not provided by this runtime");
        }
        String op = customOp.substring("Flex".length());
        NodeDef node = nodeDef(customOptions);
        if (!node.op().isEmpty() && !node.op().equals(op)) {
            throw new FlexOpException(customOp + " carries a NodeDef for op " + node.op());
        }
        return switch (op) {
            case "ReluGrad" ->
                floatOnly(node, new ElementwiseGradKernel(op, "gradients", "features", ElementwiseGradKernel.RELU));
            case "SigmoidGrad" ->
                floatOnly(node, new ElementwiseGradKernel(op, "y", "dy", ElementwiseGradKernel.SIGMOID));
            case "TanhGrad" -> floatOnly(node, new ElementwiseGradKernel(op, "y", "dy", ElementwiseGradKernel.TANH));
            case "SoftmaxCrossEntropyWithLogits" -> floatOnly(node, new SoftmaxCrossEntropyKernel(op, false, null));
            case "SparseSoftmaxCrossEntropyWithLogits" -> floatOnly(node,
                    new SoftmaxCrossEntropyKernel(op, true, node.type("Tlabels").map(TfTypes::toRuntime).orElse(null)));
            case "BroadcastGradientArgs" -> new BroadcastGradientArgsKernel();
            case "Save" -> CheckpointKernels.save(op, false);
            case "SaveV2" -> CheckpointKernels.save(op, true);
            case "Restore" -> CheckpointKernels.restore(op, node);
            default -> CheckpointKernels.restoreV2(op, node);
        };
    }

    /**
     * Kernels here compute in float32; a NodeDef asking for another {@code T} is refused
     * rather than misread.
     */
    private static FlexKernel floatOnly(NodeDef node, FlexKernel kernel) {
        node.type("T").filter(t -> t != DT_FLOAT).ifPresent(t -> {
            throw new FlexOpException(node.op() + " with T=" + TfTypes.toRuntime(t).name().toLowerCase()
                    + " is not supported; only float32");
        });
        return kernel;
    }

    /**
     * The custom op name the options describe ({@code Flex} + element 0 of their
     * FlexBuffer vector).
     * @throws FlexOpException if the options are not a vector of the op name and its
     * NodeDef
     */
    public static String customOp(byte[] customOptions) {
        return "Flex" + vector(customOptions).get(0).asString();
    }

    private static NodeDef nodeDef(byte[] customOptions) {
        return NodeDef.parse(vector(customOptions).get(1).asBlob().getBytes());
    }

    private static FlexBuffers.Vector vector(byte[] customOptions) {
        FlexBuffers.Vector vector;
        try {
            vector = FlexBuffers.getRoot(ByteBuffer.wrap(customOptions)).asVector();
        }
        catch (RuntimeException e) {
            throw new FlexOpException("unreadable custom options");
        }
        if (vector.size() < 2 || !vector.get(0).isString() || !vector.get(1).isBlob() && !vector.get(1).isString()) {
            throw new FlexOpException("unreadable custom options: not a vector of the op name and its NodeDef");
        }
        return vector;
    }

}
