package dev.edgetrainer.server.federated;

import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.edgetrainer.server.federated.proto.ClientMessage;
import dev.edgetrainer.server.federated.proto.Code;
import dev.edgetrainer.server.federated.proto.FlowerServiceGrpc;
import dev.edgetrainer.server.federated.proto.Parameters;
import dev.edgetrainer.server.federated.proto.ServerMessage;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.stub.StreamObserver;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code FlowerService} of the test's own on grpc-java, whose every step the test plays
 * by hand: for what the real Flower server never does (break the protocol), or cannot do
 * here (TLS: the bundled server's script takes no certificates).
 */
final class ScriptedFlowerServer implements AutoCloseable {

    private final BlockingQueue<Connection> connections = new LinkedBlockingQueue<>();

    private final Server server;

    ScriptedFlowerServer(int port) throws IOException {
        this(port, InsecureServerCredentials.create());
    }

    ScriptedFlowerServer(int port, ServerCredentials credentials) throws IOException {
        this.server = Grpc.newServerBuilderForPort(port, credentials)
            .addService(new FlowerServiceGrpc.FlowerServiceImplBase() {
                @Override
                public StreamObserver<ClientMessage> join(StreamObserver<ServerMessage> toDevice) {
                    BlockingQueue<ClientMessage> fromDevice = new LinkedBlockingQueue<>();
                    connections.add(new Connection(toDevice, fromDevice));
                    return new StreamObserver<>() {
                        @Override
                        public void onNext(ClientMessage message) {
                            fromDevice.add(message);
                        }

                        @Override
                        public void onError(Throwable error) {
                        }

                        @Override
                        public void onCompleted() {
                        }
                    };
                }
            })
            .build()
            .start();
    }

    /** One device's stream: what to send it, and what it answered. */
    record Connection(StreamObserver<ServerMessage> toDevice, BlockingQueue<ClientMessage> fromDevice) {

        ClientMessage next() throws InterruptedException {
            ClientMessage message = fromDevice.poll(60, TimeUnit.SECONDS);
            assertThat(message).as("the device answered").isNotNull();
            return message;
        }

        /**
         * Asks the device for its weights; checks it answered OK with its four tensors.
         */
        Parameters weights() throws InterruptedException {
            toDevice.onNext(ServerMessage.newBuilder()
                .setGetParametersIns(ServerMessage.GetParametersIns.getDefaultInstance())
                .build());
            ClientMessage.GetParametersRes answer = next().getGetParametersRes();
            assertThat(answer.getStatus().getCode()).isEqualTo(Code.OK);
            assertThat(answer.getParameters().getTensorsCount()).isEqualTo(4);
            return answer.getParameters();
        }

    }

    /** The next device connection, waited for up to a minute. */
    Connection accept() throws InterruptedException {
        Connection connection = connections.poll(60, TimeUnit.SECONDS);
        assertThat(connection).as("a device connected").isNotNull();
        return connection;
    }

    @Override
    public void close() {
        server.shutdownNow();
    }

}
