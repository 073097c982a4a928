package dev.edgetrainer.server.federated;

import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.edgetrainer.model.io.Sha256;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.server.checkpoint.CheckpointService;
import dev.edgetrainer.server.checkpoint.Manifest;
import dev.edgetrainer.server.checkpoint.ModelWeights;
import dev.edgetrainer.server.data.NoSamplesException;
import dev.edgetrainer.server.data.SampleStore;
import dev.edgetrainer.server.data.TrainingData;
import dev.edgetrainer.server.evaluation.EvaluationMetrics;
import dev.edgetrainer.server.evaluation.Evaluator;
import dev.edgetrainer.server.federated.proto.ClientMessage;
import dev.edgetrainer.server.federated.proto.Code;
import dev.edgetrainer.server.federated.proto.Parameters;
import dev.edgetrainer.server.federated.proto.Reason;
import dev.edgetrainer.server.federated.proto.Scalar;
import dev.edgetrainer.server.federated.proto.ServerMessage;
import dev.edgetrainer.server.federated.proto.Status;
import dev.edgetrainer.server.model.ModelEngine;
import dev.edgetrainer.server.model.TaskKind;
import dev.edgetrainer.server.system.EdgeException;
import dev.edgetrainer.server.system.EdgeProperties;
import dev.edgetrainer.server.training.JobResult;
import dev.edgetrainer.server.training.TrainingFailedException;
import dev.edgetrainer.server.training.TrainingRunningException;
import dev.edgetrainer.server.training.TrainingService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a Flower server's instructions with the device's model, all through the
 * interpreter thread's queue like any request:
 * <ul>
 * <li>{@code get_parameters}: the weights the device holds;</li>
 * <li>{@code fit}: checks the global weights against the model, adopts them
 * ({@code edge.federated.adopt}), trains them on the kept training samples as a training
 * job, and answers the trained weights, the number of samples, loss and accuracy; the
 * device's own weights are put back after the job;</li>
 * <li>{@code evaluate}: loss and accuracy of the global weights on the kept validation
 * samples, measured on borrowed weights in one task, then adopts them or not;</li>
 * <li>{@code get_properties}: the model and the samples the device holds;</li>
 * <li>{@code reconnect}: acknowledged; the client closes the connection.</li>
 * </ul>
 * An instruction that fails is answered with a non-OK status: the protocol has one code
 * per instruction (e.g. {@code FIT_NOT_IMPLEMENTED}), so the message says what happened,
 * starting with the error's kind. Nothing a server sends changes the weights unless it is
 * adopted whole.
 */
final class RoundHandler {

    private static final Logger log = LoggerFactory.getLogger(RoundHandler.class);

    private final ModelEngine engine;

    private final CheckpointService checkpoints;

    private final TrainingService training;

    private final SampleStore samples;

    private final EvaluationMetrics evaluationMetrics;

    private final FederatedStatus status;

    private final FederatedMetrics metrics;

    private final EdgeProperties.Federated settings;

    private final int maxEpochs;

    /** SHA-256 of the global weights the device adopted last; null before any. */
    private volatile byte[] adoptedDigest;

    private volatile TrainingService.Handle runningJob;

    RoundHandler(ModelEngine engine, CheckpointService checkpoints, TrainingService training, SampleStore samples,
            EvaluationMetrics evaluationMetrics, FederatedStatus status, FederatedMetrics metrics,
            EdgeProperties properties) {
        this.engine = engine;
        this.checkpoints = checkpoints;
        this.training = training;
        this.samples = samples;
        this.evaluationMetrics = evaluationMetrics;
        this.status = status;
        this.metrics = metrics;
        this.settings = properties.federated();
        this.maxEpochs = properties.train().maxEpochs();
    }

    /** What to answer, and whether the connection ends after it. */
    record Reply(ClientMessage message, boolean close, long reconnectSeconds) {

        static Reply of(ClientMessage message) {
            return new Reply(message, false, 0);
        }

    }

    /** The connection ended while an instruction was being carried out. */
    static final class LostException extends RuntimeException {

        LostException() {
            super("the connection to the server ended during the instruction");
        }

    }

    /** An instruction this device cannot read. */
    static final class ProtocolException extends RuntimeException {

        ProtocolException(String message) {
            super(message);
        }

    }

    /**
     * @param lost tells whether the connection has ended
     * @throws LostException when it ended before the answer was ready
     * @throws ProtocolException for an instruction this protocol does not have
     */
    Reply handle(ServerMessage message, BooleanSupplier lost) {
        return switch (message.getMsgCase()) {
            case GET_PARAMETERS_INS -> Reply.of(carryOut(FederatedStatus.Activity.SENDING_WEIGHTS, "get_parameters",
                    refusal -> ClientMessage.newBuilder()
                        .setGetParametersRes(ClientMessage.GetParametersRes.newBuilder().setStatus(refusal))
                        .build(),
                    Code.GET_PARAMETERS_NOT_IMPLEMENTED, this::parameters));
            case GET_PROPERTIES_INS -> Reply.of(properties());
            case FIT_INS -> Reply.of(carryOut(FederatedStatus.Activity.FITTING, "fit",
                    refusal -> ClientMessage.newBuilder()
                        .setFitRes(ClientMessage.FitRes.newBuilder().setStatus(refusal))
                        .build(),
                    Code.FIT_NOT_IMPLEMENTED, () -> fit(message.getFitIns(), lost)));
            case EVALUATE_INS -> Reply.of(carryOut(FederatedStatus.Activity.EVALUATING, "evaluate",
                    refusal -> ClientMessage.newBuilder()
                        .setEvaluateRes(ClientMessage.EvaluateRes.newBuilder().setStatus(refusal))
                        .build(),
                    Code.EVALUATE_NOT_IMPLEMENTED, () -> evaluate(message.getEvaluateIns())));
            case RECONNECT_INS -> new Reply(ClientMessage.newBuilder()
                .setDisconnectRes(ClientMessage.DisconnectRes.newBuilder().setReason(Reason.ACK))
                .build(), true, Math.max(0, message.getReconnectIns().getSeconds()));
            case MSG_NOT_SET -> throw new ProtocolException(
                    "an instruction of a kind this device does not know (" + message.getSerializedSize() + " bytes)");
        };
    }

    /** Cancels the round's training job, if one runs: its connection is gone. */
    void abort() {
        TrainingService.Handle job = runningJob;
        if (job != null) {
            training.cancel(job);
        }
    }

    /**
     * Carries out an instruction that a non-OK reply answers when it fails (but one whose
     * connection ended: nobody is left to answer).
     */
    private ClientMessage carryOut(FederatedStatus.Activity activity, String instruction,
            Function<Status, ClientMessage> failedReply, Code failure, Supplier<ClientMessage> work) {
        status.activity(activity);
        try {
            return work.get();
        }
        catch (LostException e) {
            throw e;
        }
        catch (RuntimeException e) {
            return failedReply.apply(failed(failure, instruction, e));
        }
        finally {
            status.activity(FederatedStatus.Activity.IDLE);
        }
    }

    private ClientMessage parameters() {
        ModelWeights weights = checkpoints.weights();
        SortedMap<String, Tensor> held = ModelEngine.await(engine.submitFollowUp(TaskKind.CHECKPOINT, weights::read));
        return ClientMessage.newBuilder()
            .setGetParametersRes(ClientMessage.GetParametersRes.newBuilder()
                .setStatus(ok())
                .setParameters(ParameterCodec.encode(held)))
            .build();
    }

    private ClientMessage properties() {
        SampleStore.Summary kept = samples.summary();
        return ClientMessage.newBuilder()
            .setGetPropertiesRes(ClientMessage.GetPropertiesRes.newBuilder()
                .setStatus(ok())
                .putProperties("model_sha256", text(engine.info().sha256()))
                .putProperties("checkpoint_style", text(engine.info().checkpointStyle().name()))
                .putProperties("samples", integer(kept.samples()))
                .putProperties("training_samples", integer(kept.training()))
                .putProperties("validation_samples", integer(kept.validation())))
            .build();
    }

    private ClientMessage fit(ServerMessage.FitIns ins, BooleanSupplier lost) {
        long started = System.nanoTime();
        RoundConfig config = RoundConfig.of(ins.getConfigMap(), settings, maxEpochs);
        ModelWeights weights = checkpoints.weights();
        Map<String, Tensor> global = ParameterCodec.decode(ins.getParameters(), weights.specs());
        // A user's job gets busy-wait to end: neither the adoption nor the round may
        // change the weights under it.
        training.awaitIdle(settings.busyWait());
        // The global weights a fit brings are the aggregate of the round before.
        consider(weights, global, digest(ins.getParameters()), config.round() == null ? null : config.round() - 1,
                null);
        TrainingData train = samples.load(SampleStore.Split.TRAINING);
        if (train == null) {
            throw new NoSamplesException("the device keeps no training samples (POST /train?keep=true)");
        }
        RoundTraining round = new RoundTraining(weights, engine, global, train);
        TrainingService.Handle job = training.startRound(train, config.epochs(), config.batchSize(), round);
        JobResult result = await(job, lost);
        if (!result.succeeded()) {
            throw new TrainingFailedException(result.id(), result.error(), result.blewUp());
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        Double accuracy = round.measured() == null ? null : round.measured().accuracyOrNull();
        status.fitted(new FederatedStatus.Fit(config.round(), Instant.now(), took.toMillis(), train.count(),
                config.epochs(), finite(result.lastEpochLoss()), accuracy, result.id()));
        metrics.fitted(took);
        log.info("Round {}: trained {} samples for {} epochs in {} ms, loss {}", config.round(), train.count(),
                config.epochs(), took.toMillis(), result.lastEpochLoss());
        ClientMessage.FitRes.Builder fitted = ClientMessage.FitRes.newBuilder()
            .setStatus(ok())
            .setParameters(ParameterCodec.encode(round.trained()))
            .setNumExamples(train.count())
            .putMetrics("loss", number(result.lastEpochLoss()));
        if (accuracy != null) {
            fitted.putMetrics("accuracy", number(accuracy));
        }
        return ClientMessage.newBuilder().setFitRes(fitted).build();
    }

    /** Waits for the round's job, cancelling it if the connection ends first. */
    private JobResult await(TrainingService.Handle job, BooleanSupplier lost) {
        runningJob = job;
        try {
            while (true) {
                if (lost.getAsBoolean()) {
                    training.cancel(job);
                    job.result().get(1, TimeUnit.MINUTES);
                    throw new LostException();
                }
                try {
                    JobResult result = job.result().get(200, TimeUnit.MILLISECONDS);
                    if (lost.getAsBoolean()) {
                        // Cancelled because the connection ended: there is nobody to
                        // answer.
                        throw new LostException();
                    }
                    return result;
                }
                catch (TimeoutException e) {
                    // still training
                }
            }
        }
        catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("the round's training job did not end properly", e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LostException();
        }
        finally {
            runningJob = null;
        }
    }

    private ClientMessage evaluate(ServerMessage.EvaluateIns ins) {
        RoundConfig config = RoundConfig.of(ins.getConfigMap(), settings, maxEpochs);
        ModelWeights weights = checkpoints.weights();
        Map<String, Tensor> global = ParameterCodec.decode(ins.getParameters(), weights.specs());
        byte[] digest = digest(ins.getParameters());
        // A model without an infer role cannot be measured: its samples are not read.
        TrainingData validation = engine.info().inferSpec().isEmpty() ? null
                : samples.load(SampleStore.Split.VALIDATION);
        if (validation == null) {
            // Nothing to measure with: the adoption goes on, the evaluation is refused.
            consider(weights, global, digest, config.round(), null);
            engine.info().requireInfer();
            throw new NoSamplesException("the device keeps no validation samples to evaluate on");
        }
        Comparison comparison = compare(weights, global, validation);
        boolean adopted = consider(weights, global, digest, config.round(), comparison);
        evaluationMetrics.ownWeightsMeasured(adopted ? comparison.global() : comparison.own());
        status.evaluated(new FederatedStatus.Evaluation(config.round(), Instant.now(), validation.count(),
                comparison.global().loss(), comparison.global().accuracyOrNull(), comparison.own().accuracyOrNull(),
                adopted));
        ClientMessage.EvaluateRes.Builder evaluated = ClientMessage.EvaluateRes.newBuilder()
            .setStatus(ok())
            .setLoss((float) comparison.global().loss())
            .setNumExamples(validation.count());
        if (comparison.global().accuracyOrNull() != null) {
            evaluated.putMetrics("accuracy", number(comparison.global().accuracy()));
        }
        return ClientMessage.newBuilder().setEvaluateRes(evaluated).build();
    }

    /** The device's own weights and the global ones, measured on the same samples. */
    private record Comparison(Evaluator.Evaluation own, Evaluator.Evaluation global) {

        /**
         * At least as good: more accurate, or as accurate with no higher loss (for
         * regression, which has no accuracy: no higher loss).
         */
        boolean globalAsGood() {
            if (global.accuracyOrNull() == null) {
                return global.loss() <= own.loss();
            }
            return global.accuracy() > own.accuracy()
                    || global.accuracy() == own.accuracy() && global.loss() <= own.loss();
        }

    }

    /**
     * Adopts the global weights when the policy says so and the device does not hold them
     * already.
     * @param comparison null when there is none yet; none can be made without validation
     * samples or an infer role, and then {@code if-better} adopts (nothing speaks against
     * the global weights)
     * @return whether the device holds the global weights now
     */
    private boolean consider(ModelWeights weights, Map<String, Tensor> global, byte[] digest, Long round,
            Comparison comparison) {
        if (MessageDigest.isEqual(digest, adoptedDigest)) {
            return true;
        }
        if (settings.adopt() == EdgeProperties.Adopt.IF_BETTER) {
            TrainingData validation = comparison != null || engine.info().inferSpec().isEmpty() ? null
                    : samples.load(SampleStore.Split.VALIDATION);
            Comparison measured = comparison != null ? comparison
                    : validation == null ? null : compare(weights, global, validation);
            if (measured != null && !measured.globalAsGood()) {
                log.info("Round {}: keeping the device's own weights (accuracy {} on validation; the global's {})",
                        round, measured.own().accuracy(), measured.global().accuracy());
                return false;
            }
        }
        try {
            training.awaitIdle(settings.busyWait());
        }
        catch (TrainingRunningException e) {
            // Not now; the next instruction with these weights tries again.
            failure("adoption of round " + round + "'s global weights", e);
            return false;
        }
        Manifest saved = checkpoints.adopt(global, round == null ? status.rounds() : round);
        adoptedDigest = digest;
        status.adopted(new FederatedStatus.Adoption(round, Instant.now(), saved.id()));
        log.info("Round {}: adopted the global weights as checkpoint {}", round, saved.id());
        return true;
    }

    /**
     * Measures the device's weights and the global ones on the same samples, in one task
     * that borrows the model for the global ones.
     */
    private Comparison compare(ModelWeights weights, Map<String, Tensor> global, TrainingData validation) {
        return ModelEngine.await(engine.submitFollowUp(TaskKind.EVALUATE,
                model -> new Comparison(Evaluator.evaluate(model, engine.info(), validation),
                        weights.borrow(model, global, m -> Evaluator.evaluate(m, engine.info(), validation)))));
    }

    private static byte[] digest(Parameters parameters) {
        return Sha256.digest(parameters.toByteArray());
    }

    private static Status ok() {
        return Status.newBuilder().setCode(Code.OK).build();
    }

    /** The non-OK status of a failed instruction. */
    private Status failed(Code code, String instruction, RuntimeException e) {
        return Status.newBuilder().setCode(code).setMessage(failure(instruction, e)).build();
    }

    /**
     * Logs and counts a failed instruction, or a failed part of one, by the kind of the
     * error.
     * @return what failed, starting with the kind: {@code INVALID_INPUT: ...}
     */
    private String failure(String instruction, RuntimeException e) {
        String kind = e instanceof EdgeException edge ? edge.kind().name() : "SERVER_FAULT";
        String message = e instanceof EdgeException ? e.getMessage() : "internal error: " + e;
        if (e instanceof EdgeException edge && edge.kind() != EdgeException.Kind.SERVER_FAULT) {
            log.warn("Federated {} failed: {}: {}", instruction, kind, message);
        }
        else {
            log.error("Federated {} failed: our own failure", instruction, e);
        }
        String reason = kind.toLowerCase(Locale.ROOT);
        status.failed(new FederatedStatus.Failure(Instant.now(), reason, instruction + ": " + message));
        metrics.failed(reason);
        return kind + ": " + message;
    }

    private static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }

    private static Scalar number(double value) {
        return Scalar.newBuilder().setDouble(value).build();
    }

    private static Scalar integer(long value) {
        return Scalar.newBuilder().setSint64(value).build();
    }

    private static Scalar text(String value) {
        return Scalar.newBuilder().setString(value).build();
    }

}
