package dev.mlshrink.gradle;

/** Exit code and captured output of a finished child process. */
public record ProcessResult(int exitCode, String stdout, String stderr) {
    public boolean succeeded() {
        return exitCode == 0;
    }
}
