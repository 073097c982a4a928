package dev.edgetrainer.server.federated;

import java.nio.file.Path;
import java.util.List;

import com.google.protobuf.ByteString;
import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.server.TestFixtures;
import dev.edgetrainer.server.federated.proto.ClientMessage;
import dev.edgetrainer.server.federated.proto.Code;
import dev.edgetrainer.server.federated.proto.Parameters;
import dev.edgetrainer.server.federated.proto.Scalar;
import dev.edgetrainer.server.federated.proto.ServerMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A federated round is a training job, all or nothing like any other: global weights that
 * are finite but so large that the first step's loss overflows fail the round, the device
 * answers the server non-OK, and it holds exactly the weights it held before the round
 * (here the adopted global ones: {@code edge.federated.adopt=global} takes them before
 * the round trains them).
 */
class BlownUpRoundTests {

    /** Weights of about 1e19: finite, but the logits overflow float32. */
    private static final float SCALE = 1e20f;

    @TempDir
    Path dir;

    @Test
    void aRoundWhoseStepBlowsUpFailsAndLeavesTheDevicesWeightsAsTheyWere() throws Exception {
        int port = FlowerServer.freePort();
        ScriptedFlowerServer server = new ScriptedFlowerServer(port);
        try (Device device = Device.start(dir.resolve("device"), TestFixtures.writeModel(dir, TestFixtures.SMALL),
                port)) {
            device.keep(TestFixtures.idxImages(40), TestFixtures.idxLabels(40), "epochs=1");
            ScriptedFlowerServer.Connection connection = server.accept();
            Parameters huge = scaled(connection.weights());

            connection.toDevice()
                .onNext(ServerMessage.newBuilder()
                    .setFitIns(ServerMessage.FitIns.newBuilder()
                        .setParameters(huge)
                        .putConfig("epochs", Scalar.newBuilder().setSint64(1).build())
                        .putConfig("batch_size", Scalar.newBuilder().setSint64(10).build()))
                    .build());
            ClientMessage.FitRes answer = connection.next().getFitRes();

            assertThat(answer.getStatus().getCode()).isNotEqualTo(Code.OK);
            List<JsonNode> jobs = device.get("/train/jobs").getBody().valueStream().toList();
            assertThat(jobs.get(0).get("origin").asString()).isEqualTo("federated");
            assertThat(jobs.get(0).get("status").asString()).isEqualTo("FAILED");
            assertThat(jobs.get(0).get("error").asString()).contains("the weights were put back")
                .doesNotContain("the work after the job failed");
            assertThat(connection.weights().getTensorsList()).as("the device holds what it held before the round")
                .isEqualTo(huge.getTensorsList());
            assertThat(device.get("/actuator/health").getBody().get("status").asString()).isEqualTo("UP");
        }
        finally {
            server.close();
        }
    }

    private static Parameters scaled(Parameters weights) {
        Parameters.Builder scaled = weights.toBuilder().clearTensors();
        for (ByteString bytes : weights.getTensorsList()) {
            Tensor tensor = Npy.decode(bytes.toByteArray(), "weights");
            float[] values = tensor.floats().clone();
            for (int i = 0; i < values.length; i++) {
                values[i] = (values[i] == 0) ? SCALE / 10 : values[i] * SCALE;
            }
            scaled.addTensors(ByteString.copyFrom(Npy.encode(Tensor.ofFloats(tensor.shape(), values))));
        }
        return scaled.build();
    }

}
