package dev.mlshrink.gradle;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.gradle.process.ExecOperations;
import org.gradle.process.ExecResult;

/**
 * Starts processes through Gradle's injected {@link ExecOperations}, as Gradle documents for task actions
 * and value sources (configuration-cache safe, no raw ProcessBuilder). Output is captured for the caller;
 * a non-zero exit is returned, not thrown, so the compiler's own message can lead the build failure.
 */
final class ExecRunner implements CommandRunner {
    private final ExecOperations exec;

    ExecRunner(ExecOperations exec) {
        this.exec = exec;
    }

    @Override
    public ProcessResult run(List<String> argv, Path workingDir) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ExecResult result;
        try {
            result = exec.exec(spec -> {
                spec.commandLine(argv);
                spec.setWorkingDir(workingDir.toFile());
                spec.setStandardInput(InputStream.nullInputStream());
                spec.setStandardOutput(out);
                spec.setErrorOutput(err);
                spec.setIgnoreExitValue(true);
            });
        } catch (RuntimeException e) {
            // Gradle's ExecException: the executable could not be started.
            throw new IOException(rootMessage(e), e);
        }
        return new ProcessResult(result.getExitValue(), out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8));
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + root.getMessage() + ")";
    }
}
