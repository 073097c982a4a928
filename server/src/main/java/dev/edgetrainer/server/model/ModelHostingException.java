package dev.edgetrainer.server.model;

import java.util.List;

import dev.edgetrainer.model.hosting.HostingPlan.Problem;

/**
 * The server cannot host the configured model: the file is missing or not a model, or the
 * model does not fit the settings. Stops startup; {@link ModelFailureAnalyzer} tells the
 * operator what is wrong and what to do, as Spring Boot does for its own settings.
 */
public class ModelHostingException extends RuntimeException {

    private static final String INSPECT = "'java -jar edge-model.jar inspect FILE' shows how the server would host "
            + "a model and which settings it needs.";

    private final String action;

    public ModelHostingException(String description, String action, Throwable cause) {
        super(description, cause);
        this.action = action;
    }

    /** Every problem of a model's hosting plan, in one description and one action. */
    static ModelHostingException of(String source, List<Problem> problems) {
        if (problems.size() == 1) {
            return new ModelHostingException(
                    "The model " + source + " cannot be hosted: " + problems.get(0).description() + ".",
                    problems.get(0).action() + " " + INSPECT, null);
        }
        StringBuilder description = new StringBuilder("The model " + source + " cannot be hosted:");
        StringBuilder action = new StringBuilder();
        for (Problem problem : problems) {
            description.append(System.lineSeparator()).append("  - ").append(problem.description()).append('.');
            action.append(problem.action()).append(System.lineSeparator());
        }
        return new ModelHostingException(description.toString(), action.append(INSPECT).toString(), null);
    }

    /** A file that TFLite or the structural checks refuse. */
    static ModelHostingException notAModel(String source, RuntimeException cause) {
        return new ModelHostingException("The model " + source + " cannot be loaded: " + cause.getMessage(),
                "Check that " + source + " is a complete TensorFlow Lite flatbuffer (a .tflite written by the "
                        + "TensorFlow converter or edge-model.jar), not truncated or altered. " + INSPECT,
                cause);
    }

    /** What the operator can do about it. */
    public String action() {
        return action;
    }

}
