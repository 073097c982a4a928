package dev.edgetrainer.model.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AtomicFilesTests {

    @TempDir
    Path dir;

    @Test
    void replacesTheFileAndLeavesNoTempFiles() throws IOException {
        Path target = dir.resolve("model.tflite");
        AtomicFiles.write(target, new byte[] { 1, 2, 3 });
        AtomicFiles.write(target, new byte[] { 4, 5 });
        assertThat(Files.readAllBytes(target)).containsExactly(4, 5);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(target);
        }
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTempFile() throws IOException {
        Path target = dir.resolve("sub");
        Files.createDirectory(target);
        Files.write(target.resolve("keep"), new byte[] { 9 });
        // A non-empty directory cannot be replaced by a file: the rename fails after the
        // temp file was written.
        assertThatThrownBy(() -> AtomicFiles.write(target, new byte[] { 1 })).isInstanceOf(IOException.class);
        assertThat(Files.readAllBytes(target.resolve("keep"))).containsExactly(9);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(target);
        }
    }

    @Test
    void tempFileNamesAreRecognisedAndNothingElseIs() {
        Path temp = AtomicFiles.tempFile(dir.resolve("a1.weights"));

        assertThat(temp.getParent()).isEqualTo(dir.toAbsolutePath());
        assertThat(AtomicFiles.isTempFile(temp.getFileName().toString())).isTrue();
        assertThat(AtomicFiles.isTempFile(AtomicFiles.tempFile(temp).getFileName().toString())).isTrue();
        assertThat(Stream.of(".bashrc", ".cache", ".a1.weights.tmp", ".tmp-123.ckpt", "a1.weights",
                ".restore-backup-123.ckpt", "x.0b5c1a52-8d3e-4f7a-9e6b-2a9f0c4d1e33.tmp"))
            .noneMatch(AtomicFiles::isTempFile);
    }

}
