package dev.edgetrainer.server.inference;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;

import javax.imageio.ImageIO;

import dev.edgetrainer.server.HostileInputs;
import dev.edgetrainer.server.TestFixtures;
import dev.edgetrainer.server.system.BadInputException;
import dev.edgetrainer.server.system.EdgeProperties.Invert;
import dev.edgetrainer.server.system.InputTooLargeException;
import dev.edgetrainer.server.system.MemoryBudget;
import dev.edgetrainer.server.system.RequestMemory;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ImageDecoderTests {

    private final ImageDecoder decoder = new ImageDecoder(28, 28, 1_000_000);

    /** A white photo with a black rectangle on it. */
    private static BufferedImage blackOnWhite(int width, int height, Rectangle object) {
        BufferedImage photo = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = photo.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.fill(object);
        g.dispose();
        return photo;
    }

    private static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, format, out);
        return out.toByteArray();
    }

    @Test
    void aGrayPngOfTheInputSizeIsTakenAsStored() {
        int[] pixels = TestFixtures.pixels(3);

        float[] decoded = decoder.decode(TestFixtures.png(3), "image", Invert.AUTO);

        for (int i = 0; i < pixels.length; i++) {
            assertThat(decoded[i]).isEqualTo(pixels[i] / 255f);
        }
    }

    @Test
    void aDarkObjectOnALightPhotoIsInvertedAndResized() throws IOException {
        BufferedImage photo = blackOnWhite(280, 140, new Rectangle(100, 50, 80, 40));

        float[] auto = decoder.decode(encode(photo, "png"), "image", Invert.AUTO);
        float[] never = decoder.decode(encode(photo, "png"), "image", Invert.NEVER);

        assertThat(auto).hasSize(784);
        assertThat(auto[0]).isEqualTo(0f);
        assertThat(auto[14 * 28 + 14]).isEqualTo(1f, within(1e-6f));
        // Cropped to the object, then padded to a square with the background: the top
        // rows are background, not stretched content.
        assertThat(never[2 * 28 + 14]).isEqualTo(1f, within(1e-6f));
        assertThat(never[14 * 28 + 14]).isEqualTo(0f, within(1e-6f));
    }

    @Test
    void jpegIsAccepted() {
        float[] decoded = decoder.decode(TestFixtures.image(TestFixtures.pixels(1), "jpeg"), "image", Invert.NEVER);

        assertThat(decoded).hasSize(784);
        assertThat(decoded[0]).isBetween(0f, 0.2f);
    }

    @Test
    void whatIsNotAPngOrJpegIsABadRequestNamingThePart() throws IOException {
        byte[] png = TestFixtures.png(1);
        byte[] truncated = Arrays.copyOf(png, png.length / 2);
        byte[] gif = encode(new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_INDEXED), "gif");

        assertThatThrownBy(() -> decoder.decode("hello".getBytes(), "image[2]", Invert.AUTO))
            .isInstanceOfSatisfying(BadInputException.class, e -> assertThat(e.field()).isEqualTo("image[2]"));
        assertThatThrownBy(() -> decoder.decode(truncated, "image", Invert.AUTO)).isInstanceOf(BadInputException.class)
            .hasMessageContaining("not a readable");
        assertThatThrownBy(() -> decoder.decode(gif, "image", Invert.AUTO)).isInstanceOf(BadInputException.class)
            .hasMessageContaining("only PNG and JPEG");
    }

    @Test
    void hugeDimensionsAreRefusedFromTheHeader() throws IOException {
        byte[] big = encode(new BufferedImage(2000, 1000, BufferedImage.TYPE_BYTE_GRAY), "png");

        assertThatThrownBy(() -> decoder.decode(big, "image", Invert.AUTO)).isInstanceOf(BadInputException.class)
            .hasMessageContaining("2000x1000 pixels; the limit is 1000000");
    }

    @Test
    void aLargePhotoIsDecodedSubsampledWithinAFewKilobytesOfHeap() throws IOException {
        byte[] png = encode(blackOnWhite(3000, 2000, new Rectangle(1200, 700, 600, 300)), "png");
        MemoryBudget budget = new MemoryBudget(1 << 20, Duration.ofSeconds(1));

        float[] decoded;
        try (RequestMemory memory = budget.open(); RequestMemory.Scope bound = memory.bind()) {
            decoded = new ImageDecoder(28, 28, 40_000_000).decode(png, "image", Invert.AUTO);
            // Decoded whole it would be 3000 x 2000 x (3 + 8) bytes: 66 MB.
            assertThat(memory.held()).isLessThan(1 << 20);
        }

        assertThat(decoded[14 * 28 + 14]).isEqualTo(1f, within(1e-6f));
        assertThat(decoded[2 * 28 + 14]).isEqualTo(0f, within(1e-6f));
    }

    @Test
    void imagesOfExtremeShapesAreDecodedOrRefusedForTheirMemoryNeverOverflowing() {
        ImageDecoder large = new ImageDecoder(28, 28, 40_000_000);
        MemoryBudget budget = new MemoryBudget(32 << 20, Duration.ofSeconds(1));
        try (RequestMemory memory = budget.open(); RequestMemory.Scope bound = memory.bind()) {
            // 46341 x 46341 overflows an int: the padded square is never built.
            float[] wide = large.decode(HostileInputs.blankPng(46341, 863, HostileInputs.GRAY), "image", Invert.NEVER);

            assertThat(wide).hasSize(784).containsOnly(0f);
            // A PNG decoder holds rows of the full width: three rows of 40 MB.
            assertThatThrownBy(() -> large.decode(HostileInputs.blankPng(40_000_000, 1, HostileInputs.GRAY), "image",
                    Invert.NEVER))
                .isInstanceOfSatisfying(InputTooLargeException.class, e -> assertThat(e.field()).isEqualTo("image"))
                .hasMessageContaining("40000000x1");
        }
    }

    @Test
    void theInvertParameterIsParsedStrictly() {
        assertThat(ImageDecoder.invert(null, Invert.NEVER)).isEqualTo(Invert.NEVER);
        assertThat(ImageDecoder.invert("Always", Invert.NEVER)).isEqualTo(Invert.ALWAYS);
        assertThatThrownBy(() -> ImageDecoder.invert("maybe", Invert.AUTO)).isInstanceOf(BadInputException.class);
    }

}
