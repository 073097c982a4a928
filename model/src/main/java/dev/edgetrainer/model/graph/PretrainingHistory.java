package dev.edgetrainer.model.graph;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;

import org.tensorflow.lite.schema.Buffer;
import org.tensorflow.lite.schema.Metadata;
import org.tensorflow.lite.schema.Model;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * How a model file's weights were pretrained, carried inside the file as a TFLite
 * {@code Model.metadata} entry named {@value #METADATA_NAME} whose buffer holds this
 * record as JSON, e.g.
 * {@code {"samples":60000,"batchSize":100,"epochLosses":[0.83,0.52,...]}}. The
 * interpreter ignores metadata, so the model runs as before; the device server draws the
 * curve from it.
 *
 * @param samples training samples per epoch
 * @param batchSize samples per train step
 * @param epochLosses the loss of the last batch of each epoch, as the TFLite tutorial
 * records it; one per epoch, in order
 */
public record PretrainingHistory(int samples, int batchSize, List<Double> epochLosses) {

    /** The metadata entry's name. */
    public static final String METADATA_NAME = "edgetrainer.pretraining";

    /** Bounds what a model file may make a reader hold (about 2 MB of JSON). */
    public static final int MAX_EPOCHS = 100_000;

    private static final JsonMapper JSON = JsonMapper.builder()
        // Newer writers may add fields; an older reader still shows the curve.
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .build();

    public PretrainingHistory {
        if (samples < 1 || batchSize < 1) {
            throw new IllegalArgumentException(
                    "samples and batch size must be positive, got " + samples + " and " + batchSize);
        }
        if (epochLosses == null || epochLosses.isEmpty() || epochLosses.size() > MAX_EPOCHS) {
            throw new IllegalArgumentException("a pretraining history has 1 to " + MAX_EPOCHS + " epoch losses, got "
                    + (epochLosses == null ? "none" : epochLosses.size()));
        }
        epochLosses = List.copyOf(epochLosses);
        for (int i = 0; i < epochLosses.size(); i++) {
            if (!Double.isFinite(epochLosses.get(i))) {
                throw new IllegalArgumentException("the loss of epoch " + (i + 1) + " is " + epochLosses.get(i));
            }
        }
    }

    /**
     * The JSON stored in the model file; the same history always gives the same bytes.
     */
    public byte[] toJson() {
        return JSON.writeValueAsBytes(this);
    }

    /**
     * @throws InvalidModelException when the bytes are not a valid history
     */
    public static PretrainingHistory fromJson(byte[] json) {
        try {
            PretrainingHistory history = JSON.readValue(json, PretrainingHistory.class);
            if (history == null) {
                throw new InvalidModelException("the pretraining history is empty");
            }
            return history;
        }
        catch (JacksonException | IllegalArgumentException e) {
            if (e instanceof InvalidModelException invalid) {
                throw invalid;
            }
            throw new InvalidModelException("the '" + METADATA_NAME + "' metadata is not a pretraining history: "
                    + (e instanceof JacksonException jackson ? jackson.getOriginalMessage() : e.getMessage()));
        }
    }

    /**
     * The history a model file carries; empty when it has none (e.g. a converter-made
     * model).
     * @throws InvalidModelException when the file has the entry but it cannot be read
     */
    public static Optional<PretrainingHistory> read(byte[] model) {
        byte[] json;
        try {
            json = metadata(Model.getRootAsModel(ByteBuffer.wrap(model)));
        }
        catch (IndexOutOfBoundsException | BufferUnderflowException e) {
            // The validator does not walk the metadata table, so a damaged one ends here.
            throw new InvalidModelException("the model's metadata cannot be read: " + e);
        }
        return json == null ? Optional.empty() : Optional.of(fromJson(json));
    }

    private static byte[] metadata(Model root) {
        for (int i = 0; i < root.metadataLength(); i++) {
            Metadata entry = root.metadata(i);
            if (METADATA_NAME.equals(entry.name())) {
                long index = entry.buffer();
                if (index < 0 || index >= root.buffersLength()) {
                    throw new InvalidModelException("the '" + METADATA_NAME + "' metadata refers to buffer " + index
                            + " of " + root.buffersLength());
                }
                Buffer buffer = root.buffers((int) index);
                byte[] json = new byte[buffer.dataLength()];
                if (json.length > 0) {
                    buffer.dataAsByteBuffer().get(json);
                }
                return json;
            }
        }
        return null;
    }

}
