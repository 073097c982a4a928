package dev.edgetrainer.server.model;

import dev.edgetrainer.server.system.EdgeException;

/**
 * One of the model's signatures failed on a call of the server's own that fitted the
 * signature's declared inputs: the model's defect (or the device's), not the caller's
 * mistake. Reported in health ({@link ModelState#faults()}) and logged when raised.
 */
public class ModelFaultException extends EdgeException {

    private ModelFaultException(String detail, Throwable cause) {
        super(Kind.SERVER_FAULT, null, detail, null, cause);
    }

    /**
     * Records the fault for {@code role} and returns the exception to throw.
     * @param what what the server asked of the signature, e.g. "a batch that fits its
     * declared inputs"
     */
    public static ModelFaultException raise(ModelState state, String role, String signature, String what,
            RuntimeException cause) {
        state.faultReported(role, signature, cause.getMessage());
        return new ModelFaultException(
                "the model's '" + signature + "' signature (its " + role + " role) failed on " + what
                        + ", so this is a defect of the model or the device, not of the request: " + cause.getMessage(),
                cause);
    }

}
