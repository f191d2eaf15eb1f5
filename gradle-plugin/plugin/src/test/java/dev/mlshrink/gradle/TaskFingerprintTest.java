package dev.mlshrink.gradle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import javax.inject.Inject;
import org.gradle.api.file.DirectoryProperty;
import org.gradle.api.provider.Provider;
import org.gradle.api.Project;
import org.gradle.api.tasks.Input;
import org.gradle.api.tasks.InputDirectory;
import org.gradle.api.tasks.InputFiles;
import org.gradle.api.tasks.Internal;
import org.gradle.api.tasks.OutputDirectory;
import org.gradle.api.tasks.PathSensitive;
import org.gradle.api.tasks.PathSensitivity;
import org.gradle.testfixtures.ProjectBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the build cache keys {@link MlShrinkAssetsTask} on, serialised the way Gradle fingerprints it (values of
 * {@code @Input}s; file inputs by their declared path sensitivity and content): two checkouts of the same app in
 * different folders must give the same key, or the remote cache cannot share results across machines.
 */
class TaskFingerprintTest {
    @TempDir
    Path dir;

    /** Every property getter, sorted by name, as Gradle sees it: Input, file input, output or Internal. */
    private static List<Method> properties() {
        return Arrays.stream(MlShrinkAssetsTask.class.getMethods())
                .filter(m -> m.getDeclaringClass() == MlShrinkAssetsTask.class && m.getName().startsWith("get")
                        && m.getParameterCount() == 0 && !Modifier.isStatic(m.getModifiers()))
                .sorted(Comparator.comparing(Method::getName)).toList();
    }

    static String fingerprint(MlShrinkAssetsTask task) throws Exception {
        StringBuilder key = new StringBuilder();
        for (Method m : properties()) {
            String name = m.getName();
            if (m.isAnnotationPresent(Input.class)) {
                key.append(name).append('=').append(((Provider<?>) m.invoke(task)).getOrNull()).append('\n');
            } else if (m.isAnnotationPresent(InputFiles.class) || m.isAnnotationPresent(InputDirectory.class)) {
                PathSensitive sensitivity = m.getAnnotation(PathSensitive.class);
                // ABSOLUTE (Gradle's default) would put this machine's paths into the key.
                if (sensitivity == null || sensitivity.value() != PathSensitivity.RELATIVE) {
                    fail(name + " must be @PathSensitive(RELATIVE)");
                }
                File root = ((DirectoryProperty) m.invoke(task)).getAsFile().getOrNull();
                key.append(name).append(":\n").append(root == null ? "  (none)\n" : relativeContents(root.toPath()));
            } else if (!m.isAnnotationPresent(OutputDirectory.class) && !m.isAnnotationPresent(Internal.class)
                    && !m.isAnnotationPresent(Inject.class)) {
                fail(name + " has no input/output annotation");
            }
        }
        return key.toString();
    }

    private static String relativeContents(Path root) throws IOException, NoSuchAlgorithmException {
        StringBuilder s = new StringBuilder();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
                byte[] hash = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
                s.append("  ").append(root.relativize(p).toString().replace(File.separatorChar, '/')).append(' ')
                        .append(HexFormat.of().formatHex(hash)).append('\n');
            }
        }
        return s.toString();
    }

    /** The same app (assets, data folders, settings, compiler version) checked out under {@code checkout}. */
    private MlShrinkAssetsTask task(Path checkout, double maxAccuracyDrop) throws IOException {
        Path app = checkout.resolve("app");
        Files.createDirectories(app.resolve("mlshrink/eval/0_sine"));
        Files.writeString(app.resolve("mlshrink/eval/0_sine/x.csv"), "0.5\n");
        Path merged = Files.createDirectories(checkout.resolve("build/merged/models"));
        Files.copy(TestPaths.repoRoot().resolve("test/fixtures/models/tflm/hello_world_float.tflite"),
                merged.resolve("sine.tflite"));
        Files.writeString(merged.resolveSibling("labels.txt"), "sine\n");
        Path compiler = TestPaths.fakeCompiler(checkout.resolve("node_modules/mlshrink"), "1.2.3", "");
        Project project = ProjectBuilder.builder().withProjectDir(app.toFile()).build();
        project.getPluginManager().apply("dev.mlshrink");
        MlShrinkExtension ext = project.getExtensions().getByType(MlShrinkExtension.class);
        ext.getCompilerPackageDir().set(compiler.toFile());
        ext.getNodeExecutableAndArgs().set(List.of(checkout.resolve("bin/node").toString()));
        ext.getMaxAccuracyDrop().set(maxAccuracyDrop);
        MlShrinkAssetsTask task = MlShrinkPlugin.registerAssetsTask(project, ext, "release").get();
        task.getInputAssets().set(checkout.resolve("build/merged").toFile());
        task.getOutputAssets().set(checkout.resolve("build/out").toFile());
        return task;
    }

    @Test
    void theCacheKeyIsTheSameForACheckoutInAnotherFolder() throws Exception {
        Path here = dir.resolve("ci-agent-1/work");
        Path there = dir.resolve("laptop/src/other-name");
        String a = fingerprint(task(here, 0.01));
        String b = fingerprint(task(there, 0.01));
        assertEquals(a, b);
        // It says what matters: the settings, the compiler's version, the data and the models by relative path.
        assertTrue(a.contains("getCompilerVersion=1.2.3\n"), a);
        assertTrue(a.contains("getMaxAccuracyDrop=0.01\n"), a);
        assertTrue(a.contains("  models/sine.tflite "), a);
        assertTrue(a.contains("  0_sine/x.csv "), a);
        assertFalse(a.contains(dir.toString()), "no absolute path in any input: " + a);
        // And a changed setting changes it.
        assertNotEquals(a, fingerprint(task(dir.resolve("third"), 0.02)));
    }
}
