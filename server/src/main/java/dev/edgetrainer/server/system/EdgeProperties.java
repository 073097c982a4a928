package dev.edgetrainer.server.system;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.edgetrainer.model.hosting.HostingSettings;
import dev.edgetrainer.model.hosting.OutputKind;
import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Every {@code edge.*} setting. Validated at startup: a wrong value stops the server with
 * the offending key named.
 */
@ConfigurationProperties("edge")
@Validated
public record EdgeProperties(@Valid @NotNull @DefaultValue Model model, @Valid @NotNull @DefaultValue Queue queue,
        @Valid @NotNull @DefaultValue Checkpoint checkpoint, @Valid @NotNull @DefaultValue Train train,
        @Valid @NotNull @DefaultValue Infer infer, @Valid @NotNull @DefaultValue Security security,
        @Valid @NotNull @DefaultValue Limits limits, @Valid @NotNull @DefaultValue Device device,
        @Valid @NotNull @DefaultValue Data data, @Valid @NotNull @DefaultValue Federated federated) {

    /** The classpath resource served when {@code edge.model.path} is not set. */
    public static final String BUNDLED_MODEL = "models/fashion-mnist.tflite";

    /**
     * @param path a {@code .tflite} file to host instead of the bundled model
     * @param classNames one name per class of the model's output, in output order (two
     * for a binary output, none for regression); unset: the Fashion-MNIST names for a
     * model of 10 classes (the bundled model's), else the class indices
     * @param topK how many best classes each prediction lists
     * @param output what the output's values are; unset: derived from the model (a
     * softmax output is probabilities, other outputs of several values logits, one
     * sigmoid value binary, one other value regression unless two class names are set)
     * @param threshold a binary model's probability from which the second class is
     * predicted
     * @param signatures which signature plays each role; unset: the usual names
     * @param threads TFLite's own threads within one model call (the interpreter is still
     * called from one thread); unset: the available cores, at most
     * {@link #DEFAULT_MAX_THREADS}
     */
    public record Model(Path path, List<String> classNames, @Min(1) @Max(100) @DefaultValue("3") int topK,
            OutputKind output,
            @DecimalMin(value = "0", inclusive = false) @DecimalMax(value = "1",
                    inclusive = false) @DefaultValue("0.5") double threshold,
            @Valid @NotNull @DefaultValue Signatures signatures, @Min(1) @Max(64) Integer threads) {

        /** The default's cap, so that on bigger machines the HTTP threads keep cores. */
        public static final int DEFAULT_MAX_THREADS = 4;

        /** The bundled model's classes: Fashion-MNIST's, in label order. */
        public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress",
                "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

        public Model {
            classNames = classNames == null ? List.of() : List.copyOf(classNames);
            threads = threads == null ? Math.min(Runtime.getRuntime().availableProcessors(), DEFAULT_MAX_THREADS)
                    : threads;
        }

        /** What the model's hosting plan is worked out from. */
        public HostingSettings hosting() {
            return new HostingSettings(signatures.infer(), signatures.train(), signatures.save(), signatures.restore(),
                    output, classNames, FASHION_MNIST_CLASSES);
        }

    }

    /**
     * The signature that plays each role, for models that name them otherwise (e.g.
     * Flower's {@code parameters} as save). Each must exist and fit its role, or the
     * server does not start.
     */
    public record Signatures(String infer, String train, String save, String restore) {
    }

    /**
     * @param capacity tasks that may wait for the interpreter; one more is refused with
     * 503
     * @param retryAfter what a refused client is told to wait
     * @param shutdownTimeout how long queued tasks may still run at shutdown before the
     * rest are failed
     */
    public record Queue(@Min(1) @Max(100_000) @DefaultValue("64") int capacity,
            @NotNull @DefaultValue("1s") Duration retryAfter, @NotNull @DefaultValue("10s") Duration shutdownTimeout) {
    }

    /**
     * @param dir where checkpoints and their manifests live; one server at a time (it
     * holds a lock on it)
     * @param keep how many of the device's own checkpoints (saves and auto-saves) to
     * keep; older ones are deleted after each save, never the current one
     * @param keepUploads how many checkpoints uploaded from other devices to keep,
     * counted apart so that uploads never push the device's own saves out; never the
     * current one
     * @param keepFederated how many adopted federated global models to keep, counted
     * apart too (a fleet adopts one a round); never the current one
     * @param autoSave save a checkpoint after every training job that finishes
     */
    public record Checkpoint(@NotNull @DefaultValue("./data/checkpoints") Path dir,
            @Min(1) @Max(10_000) @DefaultValue("5") int keep, @Min(1) @Max(10_000) @DefaultValue("5") int keepUploads,
            @Min(1) @Max(10_000) @DefaultValue("3") int keepFederated, @DefaultValue("false") boolean autoSave) {
    }

    /**
     * @param epochs default passes over a posted batch
     * @param batchSize default samples per train step
     * @param shuffle default for shuffling samples each epoch
     * @param maxEpochs upper bound a request may ask for
     * @param syncTimeout a job expected to take longer answers 202 with a job to poll
     * @param inputRange the values the model's inputs take, checked in every training
     * request before its first step: {@code auto} ([0, 1] for the bundled model, whose
     * inputs are pixels scaled to [0, 1]; none for another model), {@code none}, or
     * {@code min,max}
     * @param blowUpFactor a job fails, and the weights are put back as they were before
     * it, when a step's loss exceeds this many times the job's first loss (or 1, if
     * larger), or its weights end this many times larger in magnitude than they started
     * (or than 1)
     * @param jobsKept finished jobs whose status stays available
     */
    public record Train(@Min(1) @DefaultValue("1") int epochs, @Min(1) @Max(100_000) @DefaultValue("32") int batchSize,
            @DefaultValue("true") boolean shuffle, @Min(1) @DefaultValue("1000") int maxEpochs,
            @NotNull @DefaultValue("3s") Duration syncTimeout, @NotNull @DefaultValue("auto") String inputRange,
            @DecimalMin("2") @DefaultValue("100") double blowUpFactor,
            @Min(1) @Max(10_000) @DefaultValue("20") int jobsKept) {

        @AssertTrue(message = "epochs must not exceed max-epochs")
        boolean isEpochsWithinMax() {
            return epochs <= maxEpochs;
        }

        @AssertTrue(message = "input-range must be auto, none, or min,max with min < max (e.g. 0,1)")
        boolean isInputRangeValid() {
            try {
                return inputRange != null
                        && (inputRange.equals("auto") || inputRange.equals("none") || bounds(inputRange) != null);
            }
            catch (NumberFormatException e) {
                return false;
            }
        }

        private static double[] bounds(String range) {
            String[] parts = range.split(",");
            if (parts.length != 2) {
                return null;
            }
            double min = Double.parseDouble(parts[0].trim());
            double max = Double.parseDouble(parts[1].trim());
            return (Double.isFinite(min) && Double.isFinite(max) && min < max) ? new double[] { min, max } : null;
        }
    }

    /**
     * The range {@code edge.train.input-range} gives the hosted model's inputs:
     * {@code {min, max}}, or null for none.
     */
    public double[] trainingInputBounds() {
        return switch (train.inputRange()) {
            case "none" -> null;
            case "auto" -> (model.path() == null) ? new double[] { 0, 1 } : null;
            default -> Train.bounds(train.inputRange());
        };
    }

    /**
     * @param invert whether images are inverted to light-on-dark before inference
     * @param maxSamples most samples (images or tensors) one request may carry
     * @param batching merging of concurrent requests into one model call
     */
    public record Infer(@NotNull @DefaultValue("AUTO") Invert invert,
            @Min(1) @Max(100_000) @DefaultValue("256") int maxSamples,
            @Valid @NotNull @DefaultValue Batching batching) {
    }

    /**
     * Micro-batching: requests waiting for the interpreter at the same time run as one
     * batched {@code infer} call, each getting its own rows of the outputs back.
     *
     * @param enabled merge waiting requests; off, each request is its own call
     * @param maxBatch most samples in one merged call; a request with more runs alone
     * @param maxWait how long the first request of a batch may wait for others before the
     * batch queues for the interpreter; 0 merges only what arrives while the interpreter
     * is busy anyway, so an idle server adds no latency
     */
    public record Batching(@DefaultValue("true") boolean enabled,
            @Min(1) @Max(100_000) @DefaultValue("64") int maxBatch, @NotNull @DefaultValue("0ms") Duration maxWait) {

        @AssertTrue(message = "max-wait must be between 0 and 1s")
        boolean isMaxWaitInRange() {
            return maxWait != null && !maxWait.isNegative() && maxWait.compareTo(Duration.ofSeconds(1)) <= 0;
        }
    }

    /**
     * Fashion-MNIST is light garments on black; photos are mostly dark objects on a light
     * background.
     */
    public enum Invert {

        /** Invert when the image's border is mostly light. */
        AUTO, ALWAYS, NEVER

    }

    /**
     * @param token when set, every endpoint needs {@code Authorization: Bearer <token>}
     * except the public ones: {@code /infer}, health, info, prometheus, the OpenAPI
     * document, Swagger UI and the dashboard's static files
     * @param protectInfer require the token for {@code /infer} too
     */
    public record Security(String token, @DefaultValue("false") boolean protectInfer) {

        public boolean enabled() {
            return token != null && !token.isEmpty();
        }

        // Short shared secrets are guessable over a fleet's lifetime; an empty one means
        // "off".
        @AssertTrue(message = "token must be empty (no authentication) or at least 16 characters")
        boolean isTokenStrong() {
            return !enabled() || token.length() >= 16;
        }

        // Rejected rather than trimmed: the secret is exactly what was configured, and
        // HTTP strips whitespace around header values, so this one could never match.
        @AssertTrue(message = "token must not begin or end with whitespace (HTTP strips it from the Authorization "
                + "header, so such a token never matches); check the env file or quoting")
        boolean isTokenWithoutSurroundingWhitespace() {
            return token == null || token.strip().equals(token);
        }
    }

    /**
     * @param maxBody largest request body, raw or multipart; larger ones get 413
     * @param maxImagePixels largest image (width x height, from its header), so a small
     * compressed file cannot make the server decode gigapixels
     * @param maxSamples most samples one training request may carry, in any format
     * (checked against an IDX header before the data is read)
     * @param requestMemory heap all requests together may fill with what they receive and
     * decode (bodies, pixels, values, a job's samples); unset: 40% of the JVM's maximum
     * heap
     * @param bodyMinRate after {@code bodyGrace}, a body must have arrived at this many
     * bytes per second on average or the request is answered 408 and dropped
     * @param bodyGrace how long a body may arrive at any rate
     */
    public record Limits(@NotNull @DefaultValue("16MB") DataSize maxBody,
            @Min(1) @DefaultValue("40000000") long maxImagePixels,
            @Min(1) @Max(1_000_000) @DefaultValue("20000") int maxSamples, DataSize requestMemory,
            @NotNull @DefaultValue("16KB") DataSize bodyMinRate, @NotNull @DefaultValue("10s") Duration bodyGrace) {

        /** Share of the maximum heap requests may use when request-memory is unset. */
        static final double DEFAULT_MEMORY_SHARE = 0.4;

        @AssertTrue(message = "max-body must be between 1KB and 2GB")
        boolean isMaxBodyInRange() {
            return maxBody != null && maxBody.toBytes() >= 1024 && maxBody.toBytes() <= Integer.MAX_VALUE;
        }

        @AssertTrue(message = "request-memory must be at least 1MB")
        boolean isRequestMemoryEnough() {
            return requestMemory == null || requestMemory.toBytes() >= 1024 * 1024;
        }

        @AssertTrue(message = "body-min-rate must be at least 1 byte per second")
        boolean isBodyMinRatePositive() {
            return bodyMinRate != null && bodyMinRate.toBytes() > 0;
        }

        /** {@code requestMemory}, or its default for this JVM. */
        public long requestMemoryBytes() {
            return (requestMemory != null) ? requestMemory.toBytes()
                    : (long) (Runtime.getRuntime().maxMemory() * DEFAULT_MEMORY_SHARE);
        }
    }

    /**
     * @param id the device's name in a fleet, tagged on every metric; the host name when
     * not set (Kubernetes passes the node's name)
     */
    public record Device(@Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9._-]{0,252}",
            message = "must be 1-253 letters, digits, '.', '_' or '-', starting with a letter or digit") String id) {

        public Device {
            id = (id == null || id.isBlank()) ? DeviceIdentity.hostName() : id;
        }
    }

    /**
     * The device's own labelled samples, kept for federated rounds and local evaluation.
     *
     * @param dir where the sample segment files live
     * @param maxSamples most samples kept; the oldest are dropped first
     * @param keep default of {@code keep} on {@code POST /train}
     * @param validationFraction share of the kept samples held out for validation, chosen
     * per sample by its sequence number, so the split never changes
     */
    public record Data(@NotNull @DefaultValue("./data/samples") Path dir,
            @Min(0) @Max(10_000_000) @DefaultValue("10000") int maxSamples, @DefaultValue("false") boolean keep,
            @DecimalMin("0.0") @DecimalMax("0.9") @DefaultValue("0.1") double validationFraction) {
    }

    /**
     * The Flower client: the device joins a Flower server's federated rounds.
     *
     * @param enabled connect at startup (otherwise only through
     * {@code POST /federated/connect})
     * @param server the Flower server's {@code host:port}
     * @param rootCertificate PEM file of the CA that signed the server's certificate; TLS
     * when set, plaintext otherwise
     * @param epochs local epochs per round unless the round's config says {@code epochs}
     * @param batchSize samples per train step unless the round's config says
     * {@code batch_size}
     * @param adopt which weights the device keeps after a round
     * @param reconnect backoff between attempts while the server is away
     * @param maxMessageSize largest message accepted from the server (Flower's own limit
     * is 512 MB)
     * @param busyWait how long a round waits for a user's training job to end before it
     * answers that the device is busy
     */
    public record Federated(@DefaultValue("false") boolean enabled, String server, Path rootCertificate,
            @Min(1) @Max(1000) @DefaultValue("1") int epochs, @Min(1) @Max(100_000) @DefaultValue("32") int batchSize,
            @NotNull @DefaultValue("GLOBAL") Adopt adopt, @Valid @NotNull @DefaultValue Reconnect reconnect,
            @NotNull @DefaultValue("512MB") DataSize maxMessageSize, @NotNull @DefaultValue("30s") Duration busyWait) {

        @AssertTrue(message = "server must be host:port (required when enabled)")
        boolean isServerUsable() {
            if (server == null || server.isBlank()) {
                return !enabled;
            }
            int colon = server.lastIndexOf(':');
            if (colon <= 0) {
                return false;
            }
            try {
                int port = Integer.parseInt(server.substring(colon + 1));
                return port > 0 && port < 65536;
            }
            catch (NumberFormatException e) {
                return false;
            }
        }

        @AssertTrue(message = "root-certificate must name a readable PEM file")
        boolean isRootCertificateReadable() {
            return rootCertificate == null || rootCertificate.toFile().canRead();
        }

        @AssertTrue(message = "max-message-size must be between 1KB and 2GB")
        boolean isMaxMessageSizeInRange() {
            return maxMessageSize != null && maxMessageSize.toBytes() >= 1024
                    && maxMessageSize.toBytes() <= Integer.MAX_VALUE;
        }
    }

    /** Which weights a device keeps after a federated round. */
    public enum Adopt {

        /** The server's aggregate, every round. */
        GLOBAL,
        /**
         * The aggregate only when it does at least as well as the device's own weights on
         * its validation samples.
         */
        IF_BETTER

    }

    /**
     * Exponential backoff with jitter: each wait doubles from {@code initial} up to
     * {@code max}, and a random part of it is dropped so a fleet does not knock in step.
     */
    public record Reconnect(@NotNull @DefaultValue("1s") Duration initial, @NotNull @DefaultValue("60s") Duration max) {

        @AssertTrue(message = "initial must be positive and not above max")
        boolean isOrdered() {
            return initial != null && max != null && !initial.isNegative() && !initial.isZero()
                    && initial.compareTo(max) <= 0;
        }
    }

}
