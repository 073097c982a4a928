package dev.edgetrainer.model.hosting;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import dev.edgetrainer.model.checkpoint.Checkpointer;
import dev.edgetrainer.model.runtime.TrainableModel;
import dev.edgetrainer.model.tensor.DataType;
import dev.edgetrainer.model.tensor.Signature;
import dev.edgetrainer.model.tensor.TensorSpec;

/**
 * How the EdgeTrainer server hosts a model, worked out from its signatures and the
 * operator's {@link HostingSettings}: which signature plays each role (infer, train,
 * save, restore), what the output's values are ({@link OutputKind}) and their class
 * names, how checkpoints are taken, and which roles need ops this runtime lacks. The
 * server plans with it at startup, and {@code edge-model.jar inspect} prints it, so an
 * operator learns before deploying what a model needs.
 *
 * <p>
 * A role the operator named must exist and fit, else the plan has a {@link Problem}; a
 * role found by its usual name that does not fit is left out with a note (the server then
 * answers 501 for it). A model needs an infer or a train role.
 */
public final class HostingPlan {

    /** The settings' prefix, as the server names them. */
    public static final String SETTINGS = "edge.model.";

    private static final List<String> SAVE_KEYS = List.of("save", "parameters", "get_weights");

    private static final List<String> RESTORE_KEYS = List.of("restore", "set_weights");

    /**
     * Why the server cannot host the model as configured.
     *
     * @param description what is wrong
     * @param action what the operator can do about it
     */
    public record Problem(String description, String action) {
    }

    /**
     * The infer role.
     *
     * @param output the output read ({@code output}, else the first)
     * @param logits the {@code logits} output beside it, or null
     */
    public record InferRole(String signature, TensorSpec input, TensorSpec output, String logits) {
    }

    /** What a train role's {@code y} holds per sample. */
    public enum Targets {

        /** One row of class probabilities (one-hot for a label). */
        ONE_HOT,
        /** The class index, as a number. */
        CLASS_INDEX,
        /** The probability of the positive class (0 or 1 for a label). */
        PROBABILITY,
        /** The values to predict. */
        VALUES

    }

    /**
     * The train role: one step on {@code x} and {@code y}, returning {@code loss}.
     *
     * @param targets null only in a plan with problems
     */
    public record TrainRole(String signature, TensorSpec x, TensorSpec y, String loss, Targets targets) {

        /** Floats per sample in {@code y}. */
        public int yWidth() {
            return width(y);
        }

    }

    /**
     * What the model's values are.
     *
     * @param width values per sample
     * @param classNames one per class for a classifier (two for binary); empty for
     * regression
     * @param reason how the kind was chosen, for people
     */
    public record Output(OutputKind kind, int width, List<String> classNames, boolean namesConfigured, String reason) {

        public Output {
            classNames = List.copyOf(classNames);
        }

    }

    /**
     * How weights leave and re-enter the model.
     *
     * @param path the path input of a path-style pair, null otherwise
     */
    public record Checkpoints(CheckpointStyle style, String save, String restore, TensorSpec path) {
    }

    private final List<Signature> signatures;

    private final InferRole infer;

    private final TrainRole train;

    private final Checkpoints checkpoints;

    private final Output output;

    private final Map<String, Set<String>> missingOps;

    private final List<Problem> problems;

    private final List<String> notes;

    private final Map<String, String> absent;

    private HostingPlan(Builder builder) {
        this.signatures = builder.signatures;
        this.infer = builder.infer;
        this.train = builder.train;
        this.checkpoints = builder.checkpoints;
        this.output = builder.output;
        this.missingOps = Map.copyOf(builder.missingOps);
        this.problems = List.copyOf(builder.problems);
        this.notes = List.copyOf(builder.notes);
        this.absent = Map.copyOf(builder.absent);
    }

    /** Plans how to host {@code model} with these settings. */
    public static HostingPlan of(TrainableModel model, HostingSettings settings) {
        Builder builder = new Builder(model, settings);
        builder.plan();
        return new HostingPlan(builder);
    }

    public List<Signature> signatures() {
        return signatures;
    }

    public Optional<InferRole> infer() {
        return Optional.ofNullable(infer);
    }

    public Optional<TrainRole> train() {
        return Optional.ofNullable(train);
    }

    public Checkpoints checkpoints() {
        return checkpoints;
    }

    /** Null only when the plan has problems that leave nothing to derive it from. */
    public Output output() {
        return output;
    }

    /**
     * Per role ({@code infer}, {@code train}, {@code save}, {@code restore}) whose
     * signature needs custom ops this runtime lacks, those ops.
     */
    public Map<String, Set<String>> missingOps() {
        return missingOps;
    }

    /** Why the model cannot be hosted as configured; empty when it can. */
    public List<Problem> problems() {
        return problems;
    }

    /** What a host should know: roles left out and why, ops missing. */
    public List<String> notes() {
        return notes;
    }

    /**
     * Why a role ({@code infer}, {@code train}, {@code save}) is not served, e.g. "the
     * model has no signature 'infer'"; empty when it is.
     */
    public Optional<String> whyAbsent(String role) {
        return Optional.ofNullable(absent.get(role));
    }

    public boolean hostable() {
        return problems.isEmpty();
    }

    /**
     * The checkpointer for this plan's save and restore signatures of {@code model} (the
     * same file, e.g. a fresh interpreter of it).
     */
    public Checkpointer checkpointer(TrainableModel model) {
        return checkpoints.style() == CheckpointStyle.NONE ? Checkpointer.of(model)
                : Checkpointer.of(model, checkpoints.save(), checkpoints.restore());
    }

    /** Settings beyond {@code edge.model.path} that the server needs or should have. */
    public List<String> suggestedSettings() {
        List<String> suggested = new ArrayList<>();
        if (output != null && output.kind().isClassifier() && !output.namesConfigured()) {
            int count = output.classNames().size();
            suggested.add(SETTINGS + "class-names=<" + count + " names, "
                    + (output.kind() == OutputKind.BINARY ? "negative first" : "in output order") + ">");
        }
        return suggested;
    }

    /** Values per sample of a tensor of shape [batch] or [batch, width]. */
    static int width(TensorSpec spec) {
        return spec.rank() == 1 ? 1 : spec.dim(1);
    }

    private static final class Builder {

        private final TrainableModel model;

        private final HostingSettings settings;

        private final List<Signature> signatures;

        private InferRole infer;

        private TrainRole train;

        private Checkpoints checkpoints = new Checkpoints(CheckpointStyle.NONE, null, null, null);

        private Output output;

        private final Map<String, Set<String>> missingOps = new LinkedHashMap<>();

        private final List<Problem> problems = new ArrayList<>();

        private final List<String> notes = new ArrayList<>();

        private final Map<String, String> absent = new LinkedHashMap<>();

        Builder(TrainableModel model, HostingSettings settings) {
            this.model = model;
            this.settings = settings;
            this.signatures = model.signatures();
        }

        void plan() {
            Optional<Signature> inferSignature = role("infer", settings.infer());
            inferSignature.ifPresent(signature -> infer = inferRole(signature, settings.infer() != null));
            Optional<Signature> trainSignature = role("train", settings.train());
            TrainRole candidate = trainSignature.map(s -> trainShape(s, settings.train() != null)).orElse(null);
            output = output(candidate);
            // Without an output, the targets are unknown; the plan has a problem then.
            train = candidate == null || output == null ? candidate : withTargets(candidate, settings.train() != null);
            checkpoints();
            if (infer == null && train == null && problems.isEmpty()) {
                problems.add(new Problem(
                        "the model has neither an infer nor a train role, so there is nothing to serve; its "
                                + "signatures are " + keys(),
                        "Map the roles to its signatures with " + SETTINGS + "signatures.infer and " + SETTINGS
                                + "signatures.train."));
            }
            missingOps("infer", infer == null ? null : infer.signature());
            missingOps("train", train == null ? null : train.signature());
            missingOps("save", checkpoints.save());
            missingOps("restore", checkpoints.restore());
        }

        /**
         * The signature of a role: the configured one (which must exist) or the one of
         * the usual name (which may be absent).
         */
        private Optional<Signature> role(String role, String configured) {
            String key = configured != null ? configured : role;
            Optional<Signature> found = model.signature(key);
            if (found.isEmpty()) {
                if (configured != null) {
                    problems.add(noSuchSignature(role, configured));
                }
                else {
                    absent.put(role, "the model has no signature '" + role + "'");
                    notes.add("no '" + role + "' signature: the " + role + " role is not served (set " + SETTINGS
                            + "signatures." + role + " if one of " + keys() + " plays it)");
                }
            }
            return found;
        }

        private Problem noSuchSignature(String role, String configured) {
            return new Problem(
                    SETTINGS + "signatures." + role + " is '" + configured + "', but the model has no signature '"
                            + configured + "'; its signatures are " + keys(),
                    "Set " + SETTINGS + "signatures." + role + " to one of " + keys() + ", or remove it to use the "
                            + "signature named '" + role + "'.");
        }

        /** A role signature that does not fit: a problem if configured, else left out. */
        private void unfit(String role, Signature signature, String why, boolean configured) {
            if (configured) {
                problems.add(new Problem(
                        SETTINGS + "signatures." + role + " names " + signature + ", which cannot play the " + role
                                + " role: " + why,
                        "Set " + SETTINGS + "signatures." + role + " to a signature that " + roleNeeds(role)
                                + ", or remove it."));
            }
            else {
                absent.put(role, "its signature '" + signature.key() + "' cannot play the " + role + " role: " + why);
                notes.add(signature + " cannot play the " + role + " role (" + why + "); the role is not served");
            }
        }

        private static String roleNeeds(String role) {
            return switch (role) {
                case "infer" -> "takes one float32 batch and returns float32 values per sample";
                case "train" -> "takes a float32 batch x and targets y and returns a float32 loss";
                default -> "forms a checkpoint pair with the other";
            };
        }

        private InferRole inferRole(Signature signature, boolean configured) {
            if (signature.inputs().size() != 1 || signature.inputs().get(0).type() != DataType.FLOAT32
                    || signature.inputs().get(0).rank() < 2) {
                unfit("infer", signature, "it must take one float32 input with a batch dimension", configured);
                return null;
            }
            if (signature.outputs().isEmpty()) {
                unfit("infer", signature, "it returns nothing", configured);
                return null;
            }
            TensorSpec out = signature.output("output").orElse(signature.outputs().get(0));
            if (out.type() != DataType.FLOAT32 || out.rank() < 1 || out.rank() > 2 || width(out) <= 0) {
                unfit("infer", signature,
                        "its output " + out + " must be float32 values per sample, [batch] or [batch, n]", configured);
                return null;
            }
            String logits = signature.output("logits")
                .filter(l -> !l.name().equals(out.name()))
                .map(TensorSpec::name)
                .orElse(null);
            return new InferRole(signature.key(), signature.inputs().get(0), out, logits);
        }

        /** The train signature's tensors, targets not yet known. */
        private TrainRole trainShape(Signature signature, boolean configured) {
            if (signature.inputs().size() != 2 || signature.outputs().isEmpty()) {
                unfit("train", signature, "it must take two inputs, x and y, and return a loss", configured);
                return null;
            }
            // Converters name them x and y; otherwise x is the input shaped like infer's.
            TensorSpec x = signature.input("x")
                .orElseGet(() -> signature.inputs()
                    .stream()
                    .filter(s -> infer != null && Arrays.equals(s.shape(), infer.input().shape()))
                    .findFirst()
                    .orElse(signature.inputs().get(0)));
            TensorSpec y = signature.inputs()
                .stream()
                .filter(s -> !s.name().equals(x.name()))
                .findFirst()
                .orElseThrow();
            if (x.type() != DataType.FLOAT32 || y.type() != DataType.FLOAT32 || x.rank() < 2 || y.rank() < 1
                    || y.rank() > 2 || width(y) <= 0) {
                unfit("train", signature, "x must be a float32 batch and y float32 targets, [batch] or [batch, n]; "
                        + "it takes " + x + " and " + y, configured);
                return null;
            }
            TensorSpec loss = signature.output("loss").orElse(signature.outputs().get(0));
            if (loss.type() != DataType.FLOAT32) {
                unfit("train", signature, "its loss " + loss + " is not float32", configured);
                return null;
            }
            return new TrainRole(signature.key(), x, y, loss.name(), null);
        }

        /**
         * The output kind and names: configured, or derived from the infer output (its
         * width and the operator that computes it) or, without one, from train's y.
         */
        private Output output(TrainRole trainShape) {
            TensorSpec values = infer != null ? infer.output() : trainShape != null ? trainShape.y() : null;
            if (values == null) {
                return null;
            }
            int width = width(values);
            String source = infer != null ? "infer output '" + values.name() + "'" : "train's y, as there is no infer";
            List<String> names = settings.classNames();
            OutputKind kind = settings.output();
            String reason;
            if (kind != null) {
                reason = "set by " + SETTINGS + "output";
                if (!fits(kind, width, source)) {
                    return null;
                }
            }
            else {
                String op = infer == null ? null
                        : model.inspection().outputOp(infer.signature(), infer.output().name()).orElse(null);
                if (width == 1) {
                    boolean sigmoid = "LOGISTIC".equals(op);
                    kind = sigmoid || names.size() == 2 ? OutputKind.BINARY : OutputKind.REGRESSION;
                    reason = source + ": one value per sample"
                            + (sigmoid ? " from a sigmoid (LOGISTIC)" : names.size() == 2 ? " and two class names"
                                    : ", not from a sigmoid, and no two class names");
                }
                else if (infer == null) {
                    kind = OutputKind.PROBABILITIES;
                    reason = source + ": " + width + " one-hot targets per sample";
                }
                else {
                    kind = "SOFTMAX".equals(op) ? OutputKind.PROBABILITIES : OutputKind.LOGITS;
                    reason = source + ": " + width + " values per sample " + ("SOFTMAX".equals(op) ? "from a SOFTMAX"
                            : "not from a SOFTMAX (" + (op == null ? "no operator" : op) + "), read as logits");
                }
            }
            return withNames(kind, width, reason);
        }

        private boolean fits(OutputKind kind, int width, String source) {
            boolean fits = switch (kind) {
                case PROBABILITIES, LOGITS -> width >= 2;
                case BINARY -> width == 1;
                case REGRESSION -> true;
            };
            if (!fits) {
                problems.add(new Problem(
                        SETTINGS + "output is " + kind.setting() + ", but the model's " + source + " has " + width
                                + (width == 1 ? " value" : " values") + " per sample; " + kind.setting()
                                + (kind == OutputKind.BINARY ? " needs exactly one"
                                        : " needs one per class (2 or more)"),
                        "Set " + SETTINGS + "output to "
                                + (width == 1 ? "binary or regression" : "probabilities, " + "logits or regression")
                                + ", or remove it to derive the kind from the model."));
            }
            return fits;
        }

        private Output withNames(OutputKind kind, int width, String reason) {
            List<String> configured = settings.classNames();
            if (!kind.isClassifier()) {
                if (!configured.isEmpty()) {
                    problems.add(new Problem(
                            SETTINGS + "class-names lists " + configured.size()
                                    + " names, but the model's output is read " + "as regression (" + reason
                                    + "): its values have no classes",
                            "Remove " + SETTINGS + "class-names, or set " + SETTINGS + "output to "
                                    + (width == 1 ? "binary (with two names)" : "probabilities or logits")
                                    + " if the values are classes."));
                    return null;
                }
                return new Output(kind, width, List.of(), false, reason);
            }
            int classes = kind == OutputKind.BINARY ? 2 : width;
            if (!configured.isEmpty()) {
                if (configured.size() != classes) {
                    problems.add(new Problem(
                            SETTINGS + "class-names lists " + configured.size() + " names ("
                                    + String.join(", ", configured) + "), but the model's output is read as "
                                    + kind.setting() + " with " + classes + " classes (" + reason + ")",
                            "Set " + SETTINGS + "class-names to " + classes + " names in the order of the model's "
                                    + (kind == OutputKind.BINARY ? "classes (negative first)" : "outputs")
                                    + (kind == OutputKind.BINARY ? ""
                                            : ", or " + SETTINGS + "output=regression if the values are not classes")
                                    + "."));
                    return null;
                }
                return new Output(kind, width, configured, true, reason);
            }
            List<String> fallback = settings.fallbackClassNames();
            List<String> names = fallback.size() == classes ? fallback
                    : IntStream.range(0, classes).mapToObj(Integer::toString).toList();
            return new Output(kind, width, names, false, reason);
        }

        /** The train role with what its y holds, if its y fits the output. */
        private TrainRole withTargets(TrainRole shape, boolean configured) {
            int yWidth = shape.yWidth();
            Targets targets = switch (output.kind()) {
                case PROBABILITIES, LOGITS ->
                    yWidth == output.width() ? Targets.ONE_HOT : yWidth == 1 ? Targets.CLASS_INDEX : null;
                case BINARY -> yWidth == 1 ? Targets.PROBABILITY : null;
                case REGRESSION -> yWidth == output.width() ? Targets.VALUES : null;
            };
            if (targets == null) {
                unfit("train", model.signature(shape.signature()).orElseThrow(),
                        "its y " + shape.y() + " does not fit the " + output.kind().setting() + " output of "
                                + output.width() + (output.width() == 1 ? " value" : " values"),
                        configured);
                return null;
            }
            return new TrainRole(shape.signature(), shape.x(), shape.y(), shape.loss(), targets);
        }

        private void checkpoints() {
            if (settings.save() == null && settings.restore() == null) {
                Checkpointer found = Checkpointer.of(model);
                if (found.style() == CheckpointStyle.NONE) {
                    absent.put("save", "the model has no save/restore pair of signatures");
                    notes.add("no save/restore pair of signatures: the weights cannot be checkpointed (set " + SETTINGS
                            + "signatures.save and " + SETTINGS + "signatures.restore if two of " + keys() + " do it)");
                    return;
                }
                checkpoints = describe(found);
                return;
            }
            String save = settings.save() != null ? settings.save() : firstPresent(SAVE_KEYS);
            String restore = settings.restore() != null ? settings.restore() : firstPresent(RESTORE_KEYS);
            if (save == null || model.signature(save).isEmpty()) {
                problems.add(settings.save() != null ? noSuchSignature("save", settings.save())
                        : new Problem(SETTINGS
                                + "signatures.restore is set, but the model has no save signature of a usual name ("
                                + String.join(", ", SAVE_KEYS) + ")", "Set " + SETTINGS + "signatures.save too."));
                return;
            }
            if (restore == null || model.signature(restore).isEmpty()) {
                problems.add(settings.restore() != null ? noSuchSignature("restore", settings.restore())
                        : new Problem(
                                SETTINGS + "signatures.save is set, but the model has no restore signature of a "
                                        + "usual name (" + String.join(", ", RESTORE_KEYS) + ")",
                                "Set " + SETTINGS + "signatures.restore too."));
                return;
            }
            Checkpointer pair = Checkpointer.of(model, save, restore);
            if (pair.style() == CheckpointStyle.NONE) {
                Signature out = model.signature(save).orElseThrow();
                Signature in = model.signature(restore).orElseThrow();
                problems.add(new Problem(
                        "the save role " + out + " and the restore role " + in + " do not form a checkpoint pair",
                        "Name a pair in " + SETTINGS + "signatures.save and " + SETTINGS + "signatures.restore: "
                                + "either each takes one string path (path style), or save takes nothing and "
                                + "returns the tensors restore takes (tensor style)."));
                return;
            }
            checkpoints = describe(pair);
        }

        private static Checkpoints describe(Checkpointer checkpointer) {
            return new Checkpoints(checkpointer.style(), checkpointer.saveKey(), checkpointer.restoreKey(),
                    checkpointer.style() == CheckpointStyle.PATH ? checkpointer.pathSpec() : null);
        }

        private String firstPresent(List<String> keys) {
            return keys.stream().filter(key -> model.signature(key).isPresent()).findFirst().orElse(null);
        }

        private void missingOps(String role, String signature) {
            if (signature == null) {
                return;
            }
            Set<String> missing = model.missingOps(signature);
            if (!missing.isEmpty()) {
                missingOps.put(role, missing);
                notes.add("the " + role + " role ('" + signature + "') needs " + String.join(", ", missing)
                        + ", which this runtime does not provide: the server answers 501 for it");
            }
        }

        private String keys() {
            return signatures.stream().map(Signature::key).toList().toString();
        }

    }

}
