package dev.edgetrainer.server.checkpoint;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How a checkpoint came to be; written to manifests and the API in lower case. */
public enum Origin {

    /** {@code POST /checkpoint/save}. */
    @JsonProperty("save")
    SAVE,
    /** After a training job, with {@code edge.checkpoint.auto-save}. */
    @JsonProperty("auto-save")
    AUTO_SAVE,
    /** {@code PUT /checkpoints/{id}/file}, from another device. */
    @JsonProperty("upload")
    UPLOAD,
    /** A federated round's global weights, adopted by this device. */
    @JsonProperty("federated")
    FEDERATED

}
