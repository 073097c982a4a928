package dev.edgetrainer.server.data;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.edgetrainer.model.hosting.HostingPlan.Targets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A process keeping batches as fast as it can is killed with SIGKILL at a random moment,
 * several times over on the same directory: every batch it was told was kept comes back
 * whole, a batch being written comes back whole or not at all, and nothing else appears.
 */
class SampleStoreCrashTests {

    @TempDir
    Path dir;

    @Test
    void survivesKillMinusNineWhileKeeping() throws Exception {
        Random random = new Random(11);
        int nextBatch = 1;
        List<Integer> acknowledged = new ArrayList<>();
        for (int kill = 0; kill < 3; kill++) {
            Process writer = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), Writer.class.getName(), dir.toString(),
                    Integer.toString(nextBatch))
                .redirectErrorStream(true)
                .start();
            int killAfter = 5 + random.nextInt(40);
            int lastAcknowledged = -1;
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                int acks = 0;
                // Read to the end: the acknowledgements printed before the kill are all
                // in the pipe.
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("kept ")) {
                        lastAcknowledged = Integer.parseInt(line.substring(5));
                        acknowledged.add(lastAcknowledged);
                        if (++acks == killAfter) {
                            // Kill in the middle of the next append, or between two.
                            Thread.sleep(random.nextInt(3));
                            // SIGKILL through the handle: Process.destroyForcibly would
                            // also close the pipe this reads.
                            writer.toHandle().destroyForcibly();
                        }
                    }
                }
            }
            finally {
                writer.destroyForcibly();
            }
            assertThat(writer.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(lastAcknowledged).as("the writer kept batches before it was killed").isPositive();

            SampleStore store = new SampleStore(dir, 1_000_000, 0, 6, 4, Targets.ONE_HOT, SampleStoreTests.CLASSES);
            store.open();
            List<Integer> loaded = SampleStoreTests.loadedBatches(store);
            assertThat(loaded).as("every acknowledged batch, whole, in order")
                .startsWith(acknowledged.toArray(Integer[]::new));
            assertThat(loaded.size() - acknowledged.size())
                .as("besides, at most the batch kept when the kill came before its acknowledgement")
                .isBetween(0, 1);
            if (loaded.size() > acknowledged.size()) {
                acknowledged.add(loaded.get(loaded.size() - 1));
            }
            nextBatch = acknowledged.get(acknowledged.size() - 1) + 1;
        }
    }

    /** Keeps batches {@code first}, {@code first + 1}, ... and prints each once kept. */
    public static final class Writer {

        public static void main(String[] args) {
            SampleStore store = new SampleStore(Path.of(args[0]), 1_000_000, 0, 6, 4, Targets.ONE_HOT,
                    SampleStoreTests.CLASSES);
            store.open();
            for (int batch = Integer.parseInt(args[1]);; batch++) {
                store.append(SampleStoreTests.pixels(batch, batch));
                System.out.println("kept " + batch);
            }
        }

    }

}
