package dev.edgetrainer.server.federated;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import dev.edgetrainer.model.tensor.Tensor;
import dev.edgetrainer.server.system.BadInputException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The .npy codec against NumPy itself, and against every malformed array. */
class NpyTests {

    @TempDir
    Path dir;

    @Test
    void writesByteForByteWhatNumpySavesAndReadsItBack() throws Exception {
        Assumptions.assumeTrue(python("import numpy"), "needs Debian's python3-numpy (CI installs it for Flower)");
        int[][] shapes = { { 784, 128 }, { 128 }, {}, { 3, 1, 2 }, { 0, 4 } };
        for (int[] shape : shapes) {
            float[] values = new float[(int) Tensor.elementCount(shape)];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) Math.sin(i) * 1e3f;
            }
            Path saved = dir.resolve("numpy.npy");
            String tuple = Arrays.toString(shape).replace('[', '(').replace("]", shape.length == 1 ? ",)" : ")");
            assertThat(python("import numpy as np; a = np.sin(np.arange(" + values.length + ")).astype(np.float32) "
                    + "* np.float32(1e3); np.save('" + saved + "', a.astype(np.float32).reshape(" + tuple
                    + "), allow_pickle=False)"))
                .isTrue();
            byte[] numpy = Files.readAllBytes(saved);
            Tensor read = Npy.decode(numpy, "t");
            assertThat(read.shape()).isEqualTo(shape);
            assertThat(Npy.encode(read)).as("shape %s", Arrays.toString(shape)).isEqualTo(numpy);
        }
    }

    @Test
    void roundTripsEveryValueBitForBit() {
        float[] values = { 0f, -0f, Float.MIN_VALUE, Float.MAX_VALUE, 1.1754942e-38f, -3.5f, 1e-45f };
        Tensor tensor = Tensor.ofFloats(new int[] { 7 }, values);
        assertThat(Npy.decode(Npy.encode(tensor), "t").floats()).isEqualTo(values);
        assertThat((Npy.encode(tensor).length - values.length * 4) % 64).as("the data starts aligned").isZero();
    }

    @Test
    void refusesWhatIsNotLittleEndianCOrderedFloat32OfItsDeclaredSize() {
        byte[] good = Npy.encode(Tensor.ofFloats(new int[] { 2, 2 }, new float[4]));
        assertBad(Arrays.copyOf(good, 5), "magic");
        assertBad(Arrays.copyOf(good, good.length - 1), "carries 15");
        assertBad(Arrays.copyOf(good, good.length + 4), "carries 20");
        assertBad(header("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16), "'<f8'");
        assertBad(header("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8), "'>f4'");
        assertBad(header("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", 8), "Fortran");
        assertBad(header("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", 8), "non-negative");
        assertBad(header("{'descr': '<f4', 'fortran_order': False, 'shape': (a,), }", 8), "non-negative");
        assertBad(header("{'descr': '<f4', 'fortran_order': False, }", 8), "'shape'");
        assertBad(header("{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536), }", 8), "more values");
        byte[] version = good.clone();
        version[6] = 9;
        assertBad(version, "version 9");
        byte[] longHeader = good.clone();
        longHeader[8] = (byte) 0xff;
        longHeader[9] = (byte) 0x7f;
        assertBad(longHeader, "inside its .npy header");
    }

    private static void assertBad(byte[] npy, String message) {
        assertThatThrownBy(() -> Npy.decode(npy, "parameters.tensors[1]")).isInstanceOf(BadInputException.class)
            .hasMessageContaining(message)
            .satisfies(e -> assertThat(((BadInputException) e).field()).isEqualTo("parameters.tensors[1]"));
    }

    /** A version 1.0 array with this header and {@code dataBytes} of zeros. */
    private static byte[] header(String dict, int dataBytes) {
        byte[] text = (dict + "\n").getBytes(StandardCharsets.US_ASCII);
        ByteBuffer out = ByteBuffer.allocate(10 + text.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        out.put(new byte[] { (byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0 }).putShort((short) text.length).put(text);
        return out.array();
    }

    private static boolean python(String code) throws IOException, InterruptedException {
        return new ProcessBuilder("/usr/bin/python3", "-c", code).inheritIO().start().waitFor() == 0;
    }

}
