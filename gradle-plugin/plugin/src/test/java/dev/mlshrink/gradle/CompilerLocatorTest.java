package dev.mlshrink.gradle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real node: resolution from inside this repository finds the workspace's compiler. */
class CompilerLocatorTest {
    @TempDir
    Path tmp;

    private static String compilerVersion() throws IOException {
        String pkg = Files.readString(TestPaths.compilerDir().resolve("package.json"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"version\"\\s*:\\s*\"([^\"]+)\"").matcher(pkg);
        assertTrue(m.find());
        return m.group(1);
    }

    @Test
    void configuredPackageDirWins() throws IOException {
        CompilerLocation loc = CompilerLocator.locate(ProcessRunner::run, List.of("/nonexistent/node"), TestPaths.compilerDir(), tmp);
        assertEquals(TestPaths.compilerDir(), loc.packageDir());
        assertEquals(TestPaths.compilerDir().resolve("bin/mlshrink.js"), loc.cliScript());
        assertEquals(compilerVersion(), loc.version());
    }

    @Test
    void nodeResolutionFromTheSampleAppFindsTheWorkspaceCompiler() throws IOException {
        Path app = TestPaths.repoRoot().resolve("sample-android-app");
        CompilerLocation loc = CompilerLocator.locate(ProcessRunner::run, List.of("node"), null, app);
        // npm links the workspace member into node_modules; node reports the real path.
        assertEquals(TestPaths.compilerDir().toRealPath(), loc.packageDir().toRealPath());
        assertEquals(compilerVersion(), loc.version());
    }

    @Test
    void outsideAnyNpmProjectTheErrorSaysWhatToSet() {
        CompilerNotFoundException e = assertThrows(CompilerNotFoundException.class,
                () -> CompilerLocator.locate(ProcessRunner::run, List.of("node"), null, tmp));
        assertTrue(e.getMessage().contains("Cannot find module 'mlshrink/package.json'"), e.getMessage());
        assertTrue(e.getMessage().contains("compilerPackageDir"), e.getMessage());
        assertTrue(e.getMessage().contains("npm install --save-dev mlshrink"), e.getMessage());
    }

    @Test
    void missingNodeSaysToSetNodeExecutableAndArgs() {
        CompilerNotFoundException e = assertThrows(CompilerNotFoundException.class,
                () -> CompilerLocator.locate(ProcessRunner::run, List.of(tmp.resolve("no-node").toString()), null, tmp));
        assertTrue(e.getMessage().contains("cannot run node"), e.getMessage());
        assertTrue(e.getMessage().contains("nodeExecutableAndArgs"), e.getMessage());
    }

    @Test
    void configuredDirMustHoldTheMlshrinkPackage() throws IOException {
        Files.writeString(tmp.resolve("package.json"), "{\"name\": \"left-pad\", \"version\": \"1.0.0\"}");
        CompilerNotFoundException wrong = assertThrows(CompilerNotFoundException.class,
                () -> CompilerLocator.locate(ProcessRunner::run, List.of("node"), tmp, tmp));
        assertTrue(wrong.getMessage().contains("'left-pad', not 'mlshrink'"), wrong.getMessage());
        CompilerNotFoundException missing = assertThrows(CompilerNotFoundException.class,
                () -> CompilerLocator.locate(ProcessRunner::run, List.of("node"), tmp.resolve("nowhere"), tmp));
        assertTrue(missing.getMessage().contains("not readable"), missing.getMessage());
        Path fake = TestPaths.fakeCompiler(tmp.resolve("fake"), "9.9.9", "");
        Files.delete(fake.resolve("bin/mlshrink.js"));
        CompilerNotFoundException noCli = assertThrows(CompilerNotFoundException.class,
                () -> CompilerLocator.locate(ProcessRunner::run, List.of("node"), fake, tmp));
        assertTrue(noCli.getMessage().contains("bin/mlshrink.js is missing"), noCli.getMessage());
    }
}
