package dev.edgetrainer.model.hosting;

import java.util.List;

/**
 * What an operator may tell the server about a model; null or empty values are derived
 * from the model.
 *
 * @param infer the signature that plays the infer role (default {@code infer})
 * @param train the signature that plays the train role (default {@code train})
 * @param save the signature that hands the weights out (default: the first recognised
 * pair, see {@link dev.edgetrainer.model.checkpoint.Checkpointer})
 * @param restore the signature that takes them back
 * @param output what the output's values are; null to derive it
 * @param classNames one name per class, in output order; empty to derive them
 * @param fallbackClassNames names used when none are configured and their count fits,
 * e.g. the bundled model's; otherwise classes are named by index
 */
public record HostingSettings(String infer, String train, String save, String restore, OutputKind output,
        List<String> classNames, List<String> fallbackClassNames) {

    public HostingSettings {
        classNames = classNames == null ? List.of() : List.copyOf(classNames);
        fallbackClassNames = fallbackClassNames == null ? List.of() : List.copyOf(fallbackClassNames);
    }

    /** Nothing configured: every role, the output kind and the names derived. */
    public static HostingSettings derived() {
        return new HostingSettings(null, null, null, null, null, List.of(), List.of());
    }

}
