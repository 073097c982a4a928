import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import dev.edgetrainer.model.data.Dataset;
import dev.edgetrainer.model.data.IdxImages;

/**
 * Writes real Fashion-MNIST test images as PNG files for docker/smoke-test.sh, with the
 * project's own IDX reader (no Python, no ImageMagick):
 *
 * <pre>
 * java -cp model/target/edge-model.jar docker/FashionMnistPngs.java OUT_DIR FROM COUNT
 * </pre>
 *
 * Prints one line per image: the file name and its label (class index).
 */
public class FashionMnistPngs {

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        int from = Integer.parseInt(args[1]);
        int count = Integer.parseInt(args[2]);
        Dataset test = Dataset.load(Dataset.DEBIAN_DIR, "t10k");
        IdxImages images = test.images();
        Files.createDirectories(out);
        for (int i = from; i < from + count; i++) {
            BufferedImage image = new BufferedImage(images.cols(), images.rows(), BufferedImage.TYPE_BYTE_GRAY);
            int offset = i * images.rows() * images.cols();
            for (int p = 0; p < images.rows() * images.cols(); p++) {
                image.getRaster().setSample(p % images.cols(), p / images.cols(), 0, images.pixels()[offset + p] & 0xff);
            }
            String name = "t10k-" + i + ".png";
            ImageIO.write(image, "png", out.resolve(name).toFile());
            System.out.println(name + " " + test.labels()[i]);
        }
    }

}
