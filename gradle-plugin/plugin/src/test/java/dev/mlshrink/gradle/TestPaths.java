package dev.mlshrink.gradle;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locations in this repository that the tests use (set by surefire: mlshrink.repoRoot). */
final class TestPaths {
    private TestPaths() {
    }

    static Path repoRoot() {
        String configured = System.getProperty("mlshrink.repoRoot");
        Path root = configured != null ? Path.of(configured) : Path.of("../..");
        return root.toAbsolutePath().normalize();
    }

    /** The compiler package (npm workspace member `mlshrink`). */
    static Path compilerDir() {
        return repoRoot().resolve("compiler");
    }

    /** A fake `mlshrink` package whose CLI runs the given JavaScript; for exit-code and message tests. */
    static Path fakeCompiler(Path dir, String version, String cliBody) throws java.io.IOException {
        Files.createDirectories(dir.resolve("bin"));
        Files.writeString(dir.resolve("package.json"),
                "{\n  \"name\": \"mlshrink\",\n  \"version\": \"" + version + "\",\n  \"type\": \"module\"\n}\n");
        Files.writeString(dir.resolve("bin/mlshrink.js"), cliBody);
        return dir;
    }
}
