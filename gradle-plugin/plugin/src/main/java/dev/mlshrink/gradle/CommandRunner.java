package dev.mlshrink.gradle;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Runs a command to completion. The plugin's implementation is {@link ExecRunner} (Gradle's ExecOperations). */
@FunctionalInterface
public interface CommandRunner {
    /**
     * @throws IOException when the executable cannot be started (e.g. node is not installed)
     */
    ProcessResult run(List<String> argv, Path workingDir) throws IOException;
}
