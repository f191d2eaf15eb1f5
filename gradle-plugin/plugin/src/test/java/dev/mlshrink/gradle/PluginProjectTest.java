package dev.mlshrink.gradle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.gradle.api.GradleException;
import org.gradle.api.Project;
import org.gradle.api.artifacts.Dependency;
import org.gradle.testfixtures.ProjectBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real Gradle (ProjectBuilder from the Maven Central gradle-api jar): plugin application, extension
 * defaults, and the task registered for a variant, connected by hand as AGP would (AgpWiringTest runs
 * the AGP wiring itself).
 */
class PluginProjectTest {
    @TempDir
    Path dir;

    private Project project() {
        Project project = ProjectBuilder.builder().withProjectDir(dir.toFile()).build();
        project.getPluginManager().apply("dev.mlshrink");
        return project;
    }

    @Test
    void extensionDefaults() {
        MlShrinkExtension ext = project().getExtensions().getByType(MlShrinkExtension.class);
        assertEquals(List.of("release"), ext.getBuildTypes().get());
        assertEquals(List.of("**/*.tflite"), ext.getModels().get());
        assertFalse(ext.getAuto().get());
        assertEquals(8, ext.getWeightBits().get());
        assertEquals("none", ext.getPrune().get());
        assertEquals("int8", ext.getQuantize().get());
        assertFalse(ext.getCluster().isPresent());
        assertTrue(ext.getPack().get());
        assertEquals(0.01, ext.getMaxAccuracyDrop().get());
        assertEquals(List.of("node"), ext.getNodeExecutableAndArgs().get());
        assertTrue(ext.getAddRuntimeDependency().get());
        assertFalse(ext.getCalibrationData().isPresent(), "no mlshrink/calibration folder, no default");
        assertFalse(ext.getCompilerPackageDir().isPresent());
        assertEquals(0, ext.getFinetune().get());
        assertFalse(ext.getTrainingData().isPresent(), "no mlshrink/train folder, no default");
        assertFalse(ext.getFinetuneSamples().isPresent());
    }

    @Test
    void dataFoldersAreTheDefaultWhenTheyExist() throws IOException {
        Files.createDirectories(dir.resolve("mlshrink/calibration"));
        Files.createDirectories(dir.resolve("mlshrink/eval"));
        Files.createDirectories(dir.resolve("mlshrink/train"));
        Project project = project();
        MlShrinkExtension ext = project.getExtensions().getByType(MlShrinkExtension.class);
        assertEquals(dir.resolve("mlshrink/calibration").toFile(), ext.getCalibrationData().get().getAsFile());
        assertEquals(dir.resolve("mlshrink/eval").toFile(), ext.getEvalData().get().getAsFile());
        assertEquals(dir.resolve("mlshrink/train").toFile(), ext.getTrainingData().get().getAsFile());
        // The training folder is a task input only while training is on.
        MlShrinkAssetsTask task = MlShrinkPlugin.registerAssetsTask(project, ext, "release").get();
        assertFalse(task.getTrainingData().isPresent());
        ext.getFinetune().set(2);
        assertEquals(2, task.getFinetune().get());
        assertEquals(dir.resolve("mlshrink/train").toFile(), task.getTrainingData().get().getAsFile());
    }

    @Test
    void taskTakesItsInputsLazilyFromTheExtension() {
        Project project = project();
        MlShrinkExtension ext = project.getExtensions().getByType(MlShrinkExtension.class);
        MlShrinkAssetsTask task = MlShrinkPlugin.registerAssetsTask(project, ext, "release").get();
        // Set after registration, as a build script evaluated later would.
        ext.getPrune().set(0.5);
        ext.getQuantize().set("dynamic");
        ext.getCluster().set(16);
        ext.getMaxAccuracyDrop().set(0.02);
        ext.getCompilerPackageDir().set(TestPaths.compilerDir().toFile());
        assertEquals("mlshrinkReleaseAssets", task.getName());
        assertEquals("0.5", task.getPrune().get());
        assertEquals("dynamic", task.getQuantize().get());
        assertEquals(16, task.getCluster().get());
        assertEquals(0.02, task.getMaxAccuracyDrop().get());
        assertFalse(task.getAuto().get());
        ext.getAuto().set(true);
        assertTrue(task.getAuto().get());
        assertEquals(8, task.getWeightBits().get());
        ext.getWeightBits().set(4);
        assertEquals(4, task.getWeightBits().get());
        assertFalse(task.getFinetuneSamples().isPresent());
        ext.getFinetuneSamples().set(20000);
        assertEquals(20000, task.getFinetuneSamples().get());
        assertFalse(task.getTimeBudget().isPresent());
        ext.getTimeBudget().set(Duration.ofMinutes(10));
        assertEquals(Duration.ofMinutes(10), task.getTimeBudget().get());
        assertEquals(dir.resolve("build/reports/mlshrink/release").toFile(), task.getReportDir().get().getAsFile());
        // The version input comes from the compiler's own package.json.
        assertEquals(CompilerLocator.fromPackageDir(TestPaths.compilerDir(), "test").version(),
                task.getCompilerVersion().get());
    }

    /** The README/sample block, written against the extension as the Kotlin DSL compiles it. */
    @Test
    void sampleBlockConfiguresTheTask() {
        Project project = project();
        MlShrinkExtension ext = project.getExtensions().getByType(MlShrinkExtension.class);
        ext.getBuildTypes().add("release");
        ext.getModels().add("**/*.tflite");
        ext.getPrune().set("auto");
        ext.getQuantize().set("int8");
        ext.getCluster().set(16);
        ext.getPack().set(true);
        ext.getCalibrationData().set(project.getLayout().getProjectDirectory().dir("mlshrink/calibration"));
        ext.getMaxAccuracyDrop().set(0.01);
        ext.getNodeExecutableAndArgs().set(List.of("node"));
        assertTrue(ext.getBuildTypes().get().contains("release"));
        assertFalse(ext.getBuildTypes().get().contains("debug"));
        MlShrinkAssetsTask task = MlShrinkPlugin.registerAssetsTask(project, ext, "release").get();
        assertTrue(task.getModels().get().contains("**/*.tflite"));
        assertEquals("auto", task.getPrune().get());
        assertEquals(16, task.getCluster().get());
        assertEquals(dir.resolve("mlshrink/calibration").toFile(), task.getCalibrationData().get().getAsFile());
    }

    @Test
    void pluginVersionIsStampedIntoTheJar() {
        assertTrue(PluginVersion.get().matches("\\d+\\.\\d+\\.\\d+.*"), PluginVersion.get());
    }

    /** The task action with a stand-in compiler that records its argv and config, then copies. */
    @Test
    void taskRunsTheCompilerOnceAndWritesADeterministicConfig() throws IOException {
        Path fake = TestPaths.fakeCompiler(dir.resolve("fake-compiler"), "1.2.3", """
                import fs from 'node:fs';
                import path from 'node:path';
                const a = process.argv.slice(2);
                const arg = (k) => a[a.indexOf(k) + 1];
                fs.cpSync(arg('--in'), arg('--out'), { recursive: true });
                fs.writeFileSync(path.join(arg('--report-dir'), 'argv.json'), JSON.stringify(a));
                fs.copyFileSync(arg('--config'), path.join(arg('--report-dir'), 'config.json'));
                console.log('optimized 1 model');
                """);
        Project project = project();
        MlShrinkExtension ext = project.getExtensions().getByType(MlShrinkExtension.class);
        ext.getCompilerPackageDir().set(fake.toFile());
        Files.createDirectories(dir.resolve("mlshrink/calibration"));
        MlShrinkAssetsTask task = MlShrinkPlugin.registerAssetsTask(project, ext, "release").get();
        Path in = Files.createDirectories(dir.resolve("merged"));
        Files.writeString(in.resolve("labels.txt"), "a\nb\n");
        Files.writeString(in.resolve("m.tflite"), "a model (the stand-in compiler copies it)");
        Path out = dir.resolve("out");
        Files.createDirectories(out);
        Files.writeString(out.resolve("stale.bin"), "from a previous run");
        task.getInputAssets().set(in.toFile());
        task.getOutputAssets().set(out.toFile());
        assertEquals("1.2.3", task.getCompilerVersion().get());

        task.transform();

        assertEquals("a\nb\n", Files.readString(out.resolve("labels.txt")));
        assertFalse(Files.exists(out.resolve("stale.bin")), "output is emptied before the run");
        Path reports = dir.resolve("build/reports/mlshrink/release");
        String argv = Files.readString(reports.resolve("argv.json"));
        assertTrue(argv.startsWith("[\"assets\",\"--in\",\"" + in + "\",\"--out\",\"" + out + "\",\"--config\""), argv);
        String config = Files.readString(reports.resolve("config.json"));
        assertEquals("""
                {
                  "models": ["**/*.tflite"],
                  "prune": 0,
                  "quantize": "int8",
                  "pack": "huffman",
                  "calibration": "%s",
                  "maxAccuracyDrop": 0.01
                }
                """.formatted(dir.resolve("mlshrink/calibration")), config);
    }

    @Test
    void aFailingCompilerFailsTheTaskWithItsOwnMessage() throws IOException {
        Path fake = TestPaths.fakeCompiler(dir.resolve("fake-compiler"), "1.2.3", """
                process.stderr.write('mlshrink: model.tflite: accuracy drop 0.031 exceeds maxAccuracyDrop 0.01\\n');
                process.exitCode = 2;
                """);
        Project project = project();
        MlShrinkExtension ext = project.getExtensions().getByType(MlShrinkExtension.class);
        ext.getCompilerPackageDir().set(fake.toFile());
        MlShrinkAssetsTask task = MlShrinkPlugin.registerAssetsTask(project, ext, "release").get();
        Files.createDirectories(dir.resolve("merged"));
        Files.writeString(dir.resolve("merged/model.tflite"), "a model");
        task.getInputAssets().set(dir.resolve("merged").toFile());
        task.getOutputAssets().set(dir.resolve("out").toFile());
        GradleException e = assertThrows(GradleException.class, task::transform);
        assertTrue(e.getMessage().startsWith("mlshrink: model.tflite: accuracy drop 0.031 exceeds maxAccuracyDrop 0.01"),
                e.getMessage());
        assertTrue(e.getMessage().contains("exited with code 2"), e.getMessage());
    }

    @Test
    void noInputAssetsGivesEmptyOutputWithoutNode() throws IOException {
        Project project = project();
        MlShrinkExtension ext = project.getExtensions().getByType(MlShrinkExtension.class);
        ext.getNodeExecutableAndArgs().set(List.of(dir.resolve("no-node").toString()));
        MlShrinkAssetsTask task = MlShrinkPlugin.registerAssetsTask(project, ext, "release").get();
        task.getInputAssets().set(dir.resolve("merged-does-not-exist").toFile());
        task.getOutputAssets().set(dir.resolve("out").toFile());
        task.transform();
        try (java.util.stream.Stream<Path> files = Files.list(dir.resolve("out"))) {
            assertEquals(0, files.count());
        }
    }

    @Test
    void assetsWithoutModelsPassThroughWithoutNode() throws IOException {
        Project project = project();
        MlShrinkExtension ext = project.getExtensions().getByType(MlShrinkExtension.class);
        ext.getNodeExecutableAndArgs().set(List.of(dir.resolve("no-node").toString()));
        MlShrinkAssetsTask task = MlShrinkPlugin.registerAssetsTask(project, ext, "release").get();
        Path merged = Files.createDirectories(dir.resolve("merged/fonts"));
        Files.writeString(merged.resolve("a.ttf"), "font");
        Files.writeString(dir.resolve("merged/model.tflite.txt"), "not a model");
        task.getInputAssets().set(dir.resolve("merged").toFile());
        task.getOutputAssets().set(dir.resolve("out").toFile());
        // The version input needs no compiler (and so no node) when there is nothing to compile...
        assertEquals(CompilerVersionSource.NO_MODELS, task.getCompilerVersion().get());
        task.transform();
        assertEquals("font", Files.readString(dir.resolve("out/fonts/a.ttf")));
        assertEquals("not a model", Files.readString(dir.resolve("out/model.tflite.txt")));
        // ...while one model at the top level of the assets makes node necessary again.
        Files.writeString(dir.resolve("merged/m.tflite"), "model");
        MlShrinkAssetsTask withModel = MlShrinkPlugin.registerAssetsTask(project, ext, "paidRelease").get();
        withModel.getInputAssets().set(dir.resolve("merged").toFile());
        Exception e = assertThrows(Exception.class, () -> withModel.getCompilerVersion().get());
        Throwable root = e;
        while (root.getCause() != null && !(root instanceof CompilerNotFoundException)) {
            root = root.getCause();
        }
        assertTrue(root.getMessage().contains("cannot run node"), root.getMessage());
    }

    @Test
    void aBadSettingFailsBeforeRunningAnything() {
        Project project = project();
        MlShrinkExtension ext = project.getExtensions().getByType(MlShrinkExtension.class);
        ext.getPrune().set("most");
        MlShrinkAssetsTask task = MlShrinkPlugin.registerAssetsTask(project, ext, "release").get();
        Exception e = assertThrows(Exception.class, () -> task.getPrune().get());
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        assertTrue(root.getMessage().contains("prune must be"), root.getMessage());
    }

    @Test
    void noAndroidPluginNoTasks() {
        Project project = project();
        assertNull(project.getTasks().findByName("mlshrinkReleaseAssets"));
        assertNotNull(project.getExtensions().findByName("mlshrink"));
        Dependency none = project.getConfigurations().findByName("implementation") == null ? null
                : project.getConfigurations().getByName("implementation").getDependencies().stream().findFirst()
                .orElse(null);
        assertNull(none);
    }
}
