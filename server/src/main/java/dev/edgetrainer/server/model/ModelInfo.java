package dev.edgetrainer.server.model;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import dev.edgetrainer.model.checkpoint.CheckpointStyle;
import dev.edgetrainer.model.graph.PretrainingHistory;
import dev.edgetrainer.model.hosting.HostingPlan;
import dev.edgetrainer.model.hosting.HostingPlan.Targets;
import dev.edgetrainer.model.hosting.OutputKind;
import dev.edgetrainer.model.tensor.Signature;
import dev.edgetrainer.model.tensor.TensorSpec;

/**
 * What the hosted model accepts and returns, read once on the interpreter thread when it
 * loads, so request threads can check inputs without touching the interpreter.
 *
 * @param infer null when the model has no usable infer role
 * @param train null when the model has no usable train role
 * @param output what the output's values are: {@link Output#kind()} says whether the
 * model is a classifier
 * @param weights the weights a checkpoint of this model holds; empty when it has none
 * @param missingOps per signature that cannot run here, the custom ops this runtime does
 * not provide
 * @param roles the signature key playing each role (infer, train, save, restore), null
 * for a role not served
 * @param absent per role not served ({@code infer}, {@code train}, {@code save}), why
 * @param customOps per signature, the custom (e.g. Flex) ops it needs
 * @param pretraining how the file's weights were pretrained, when it says so; null
 * otherwise
 */
public record ModelInfo(String source, String sha256, long bytes, List<Signature> signatures,
        CheckpointStyle checkpointStyle, List<TensorSpec> weights, Infer infer, Train train, Output output,
        Map<String, String> roles, Map<String, Set<String>> missingOps, Map<String, String> absent,
        Map<String, Set<String>> customOps, PretrainingHistory pretraining) {

    public ModelInfo {
        signatures = List.copyOf(signatures);
        weights = List.copyOf(weights);
        roles = Collections.unmodifiableMap(new LinkedHashMap<>(roles));
        missingOps = Collections.unmodifiableMap(new TreeMap<>(missingOps));
        absent = Collections.unmodifiableMap(new LinkedHashMap<>(absent));
        customOps = Collections.unmodifiableMap(new TreeMap<>(customOps));
    }

    /**
     * @param output the output read: the probabilities, the logits, the binary
     * probability or the values, as {@link Output#kind()} says
     * @param logits the logits beside a probability output, or null
     */
    public record Infer(String signature, TensorSpec input, String output, String logits) {
    }

    /**
     * @param targets what {@code y} holds per sample: one-hot rows, class indices, the
     * positive class's probability, or values
     */
    public record Train(String signature, TensorSpec x, TensorSpec y, String loss, Targets targets) {

        /** Floats per sample in {@code y}. */
        public int yWidth() {
            return y.rank() == 1 ? 1 : y.dim(1);
        }

    }

    /**
     * What the model's values are.
     *
     * @param width values per sample
     * @param classNames one per class (two for binary); empty for regression
     * @param threshold the binary probability from which the second class is predicted
     */
    public record Output(OutputKind kind, int width, List<String> classNames, double threshold) {

        public Output {
            classNames = List.copyOf(classNames);
        }

        /** Whether the values stand for classes (probabilities, logits, binary). */
        public boolean isClassifier() {
            return kind.isClassifier();
        }

        /**
         * Classes a label may name: two for binary, the width otherwise; 0 for
         * regression.
         */
        public int classes() {
            return classNames.size();
        }

        /**
         * One sample's class probabilities from the output read: as they are, the softmax
         * of logits, or [1 - p, p] for a binary probability p.
         * @throws IllegalStateException for regression, whose values are no classes
         */
        public float[] classProbabilities(float[] values) {
            return switch (kind) {
                case PROBABILITIES -> values;
                case LOGITS -> softmax(values);
                case BINARY -> new float[] { 1 - values[0], values[0] };
                case REGRESSION -> throw new IllegalStateException("a regression model's values are no classes");
            };
        }

        /**
         * The class a sample's probabilities predict: the most probable, or for binary
         * the second from the threshold on.
         */
        public int predictedClass(float[] probabilities) {
            if (kind == OutputKind.BINARY) {
                // In float, as the probability is: 0.9f is at the threshold 0.9.
                return probabilities[1] >= (float) threshold ? 1 : 0;
            }
            int best = 0;
            for (int i = 1; i < probabilities.length; i++) {
                if (probabilities[i] > probabilities[best]) {
                    best = i;
                }
            }
            return best;
        }

        /** Probabilities of logits, computed stably in double precision. */
        static float[] softmax(float[] logits) {
            double max = Double.NEGATIVE_INFINITY;
            for (float logit : logits) {
                max = Math.max(max, logit);
            }
            double[] exps = new double[logits.length];
            double sum = 0;
            for (int i = 0; i < logits.length; i++) {
                exps[i] = Math.exp(logits[i] - max);
                sum += exps[i];
            }
            float[] probabilities = new float[logits.length];
            for (int i = 0; i < logits.length; i++) {
                probabilities[i] = (float) (exps[i] / sum);
            }
            return probabilities;
        }

    }

    public Optional<Infer> inferSpec() {
        return Optional.ofNullable(infer);
    }

    public Optional<Train> trainSpec() {
        return Optional.ofNullable(train);
    }

    /**
     * @throws NotInferableException when the model has no infer role, saying why and
     * which setting maps one
     */
    public Infer requireInfer() {
        return inferSpec()
            .orElseThrow(() -> new NotInferableException(absent.getOrDefault("infer", "it has no infer role"),
                    signatures.stream().map(Signature::key).toList()));
    }

    /**
     * @throws NotTrainableException when the model has no train role, saying why and
     * which setting maps one
     */
    public Train requireTrain() {
        return trainSpec()
            .orElseThrow(() -> new NotTrainableException(absent.getOrDefault("train", "it has no train role"),
                    signatures.stream().map(Signature::key).toList()));
    }

    /** The class names of a classifier; empty for regression. */
    public List<String> classNames() {
        return output.classNames();
    }

    /** What one sample goes in as: infer's input, or train's x without an infer role. */
    public TensorSpec input() {
        return infer != null ? infer.input() : train.x();
    }

    /** Dimensions of one sample, i.e. the input without its batch dimension. */
    public int[] sampleShape() {
        int[] shape = input().shape();
        return Arrays.copyOfRange(shape, 1, shape.length);
    }

    /**
     * Rows and columns when one sample is a grayscale image ({@code [h, w]} or
     * {@code [h, w, 1]}); empty for other inputs.
     */
    public Optional<int[]> imageSize() {
        int[] sample = sampleShape();
        boolean image = (sample.length == 2 || (sample.length == 3 && sample[2] == 1)) && sample[0] > 0
                && sample[1] > 0;
        return image ? Optional.of(new int[] { sample[0], sample[1] }) : Optional.empty();
    }

    /** The batch size the infer role insists on, or -1 when it takes any. */
    public int fixedBatch() {
        return infer.input().dim(0);
    }

    /** The hosted form of a plan without problems. */
    static ModelInfo of(ModelSource source, String sha256, HostingPlan plan, List<TensorSpec> weights,
            Map<String, Set<String>> customOps, Map<String, Set<String>> missingOps, double threshold,
            PretrainingHistory pretraining) {
        Infer infer = plan.infer()
            .map(role -> new Infer(role.signature(), role.input(), role.output().name(), role.logits()))
            .orElse(null);
        Train train = plan.train()
            .map(role -> new Train(role.signature(), role.x(), role.y(), role.loss(), role.targets()))
            .orElse(null);
        HostingPlan.Output planned = plan.output();
        Map<String, String> roles = new LinkedHashMap<>();
        roles.put("infer", infer == null ? null : infer.signature());
        roles.put("train", train == null ? null : train.signature());
        roles.put("save", plan.checkpoints().save());
        roles.put("restore", plan.checkpoints().restore());
        Map<String, String> absent = new LinkedHashMap<>();
        for (String role : List.of("infer", "train", "save")) {
            plan.whyAbsent(role).ifPresent(why -> absent.put(role, why));
        }
        return new ModelInfo(source.name(), sha256, source.bytes().length, plan.signatures(),
                plan.checkpoints().style(), weights, infer, train,
                new Output(planned.kind(), planned.width(), planned.classNames(), threshold), roles, missingOps, absent,
                customOps, pretraining);
    }

}
