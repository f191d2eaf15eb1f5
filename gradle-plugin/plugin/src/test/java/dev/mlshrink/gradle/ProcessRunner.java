package dev.mlshrink.gradle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * TEST HELPER: runs a child process to completion (the plugin itself starts processes only through
 * Gradle's ExecOperations, see ExecRunner). Output goes to temporary files rather than pipes, so a chatty
 * child can never block on a full pipe buffer while we wait for it.
 */
public final class ProcessRunner {
    private ProcessRunner() {
    }

    /**
     * @throws IOException when the executable cannot be started (e.g. node is not installed)
     */
    public static ProcessResult run(List<String> argv, Path workingDir) throws IOException {
        Path out = Files.createTempFile("mlshrink-", ".out");
        Path err = Files.createTempFile("mlshrink-", ".err");
        try {
            Process process = new ProcessBuilder(argv)
                    .directory(workingDir.toFile())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                    .start();
            int exit;
            try {
                exit = process.waitFor();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running " + argv.get(0), e);
            }
            return new ProcessResult(exit,
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }
}
