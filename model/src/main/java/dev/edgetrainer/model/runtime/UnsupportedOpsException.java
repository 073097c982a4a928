package dev.edgetrainer.model.runtime;

import java.util.Set;

/**
 * A signature needs custom ops this runtime does not provide, so it cannot run here;
 * nothing was run.
 */
public class UnsupportedOpsException extends ModelException {

    private final String signature;

    private final Set<String> ops;

    public UnsupportedOpsException(String signature, Set<String> ops) {
        super("signature '" + signature + "' needs custom ops this runtime does not provide: "
                + String.join(", ", ops));
        this.signature = signature;
        this.ops = Set.copyOf(ops);
    }

    public String signature() {
        return signature;
    }

    public Set<String> ops() {
        return ops;
    }

}
