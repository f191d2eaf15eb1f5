package dev.mlshrink.gradle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.gradle.api.GradleException;
import org.gradle.api.Project;
import org.gradle.testfixtures.ProjectBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The plugin's task driving the REAL compiler (this repository's `mlshrink` package, built with
 * `npm run build`), found by node resolution from the project directory exactly as in an app.
 * The project lives under target/ so node's lookup walks up to the repository's node_modules.
 */
class RealCompilerTest {
    private static final Path FIXTURE = TestPaths.repoRoot().resolve("test/fixtures/models/tflm/hello_world_float.tflite");
    private static final Path SAMPLE = TestPaths.repoRoot().resolve("sample-android-app");
    private static final Path SAMPLE_MODEL = SAMPLE.resolve("src/main/assets/fashion_mnist_cnn.tflite");

    private Path dir;

    @BeforeEach
    void setUp() throws IOException {
        assertTrue(Files.isRegularFile(TestPaths.compilerDir().resolve("dist/cli/main.js")),
                "the compiler must be built first: npm run build");
        Path target = Files.createDirectories(Path.of("target").toAbsolutePath());
        dir = Files.createTempDirectory(target, "e2e-");
    }

    @AfterEach
    void tearDown() throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private MlShrinkAssetsTask task(Path assets, java.util.function.Consumer<MlShrinkExtension> configure) {
        Project project = ProjectBuilder.builder().withProjectDir(dir.resolve("app").toFile()).build();
        project.getPluginManager().apply("dev.mlshrink");
        MlShrinkExtension ext = project.getExtensions().getByType(MlShrinkExtension.class);
        configure.accept(ext);
        MlShrinkAssetsTask task = MlShrinkPlugin.registerAssetsTask(project, ext, "release").get();
        task.getInputAssets().set(assets.toFile());
        task.getOutputAssets().set(dir.resolve("out").toFile());
        return task;
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }

    @Test
    void packsAFixtureModelAndCopiesTheRest() throws IOException {
        Path in = Files.createDirectories(dir.resolve("merged/models"));
        Files.copy(FIXTURE, in.resolve("sine.tflite"));
        Files.writeString(dir.resolve("merged/labels.txt"), "sine\n");
        MlShrinkAssetsTask task = task(dir.resolve("merged"), ext -> ext.getQuantize().set("dynamic"));
        assertEquals(CompilerLocator.fromPackageDir(TestPaths.compilerDir(), "test").version(),
                task.getCompilerVersion().get(), "version found through node resolution");

        task.transform();

        Path out = dir.resolve("out");
        assertEquals("sine\n", read(out.resolve("labels.txt")));
        Path packed = out.resolve("models/sine.tflite.mlshrink");
        assertTrue(Files.size(packed) > 0 && Files.size(packed) < Files.size(FIXTURE), "packed model is smaller");
        assertFalse(Files.exists(out.resolve("models/sine.tflite")));
        Path report = dir.resolve("app/build/reports/mlshrink/release/models/sine.report.json");
        assertTrue(read(report).contains("\"ok\": true"), read(report));
    }

    @Test
    void writesTheIndexPageAndLogsItsFileUrl() throws IOException {
        Path in = Files.createDirectories(dir.resolve("merged/models"));
        Files.copy(FIXTURE, in.resolve("sine.tflite"));
        MlShrinkAssetsTask task = task(dir.resolve("merged"), ext -> ext.getQuantize().set("dynamic"));
        task.transform();

        Path reports = dir.resolve("app/build/reports/mlshrink/release");
        Path index = reports.resolve("index.html");
        String html = read(index);
        assertTrue(html.contains("<a href=\"models/sine.report.html\">models/sine.tflite</a>"), html);
        assertTrue(read(reports.resolve("models/sine.report.html")).contains("data-chart=\"waterfall\""));
        String url = index.toUri().toString();
        assertTrue(url.startsWith("file:/"), url);
        // The task's logging of that link, recorded (ProjectBuilder offers no hook on the build's console output).
        List<String> lifecycle = new java.util.ArrayList<>();
        org.gradle.api.logging.Logger logger = (org.gradle.api.logging.Logger) java.lang.reflect.Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {org.gradle.api.logging.Logger.class}, (proxy, method, args) -> {
                    if (method.getName().equals("lifecycle") && args != null && args.length == 2 && args[1] instanceof Object[] params) {
                        lifecycle.add(org.slf4j.helpers.MessageFormatter.arrayFormat((String) args[0], params).getMessage());
                    }
                    return method.getReturnType() == boolean.class ? Boolean.TRUE : null;
                });
        MlShrinkAssetsTask.logReportLink(reports, logger);
        assertEquals(List.of("mlshrink: see the report at: " + url), lifecycle);
    }

    @Test
    void sampleAppAssetsBecomeAVerifiedApk() throws IOException, InterruptedException {
        assumeTrue(Files.isRegularFile(SAMPLE_MODEL), "sample model not there yet: " + SAMPLE_MODEL);
        MlShrinkAssetsTask task = task(SAMPLE.resolve("src/main/assets"), ext -> {
            ext.getCluster().set(16);
            ext.getCalibrationData().set(SAMPLE.resolve("mlshrink/calibration").toFile());
            ext.getEvalData().set(SAMPLE.resolve("mlshrink/eval").toFile());
        });
        task.transform();
        Path out = dir.resolve("out");
        assertTrue(Files.isRegularFile(out.resolve("fashion_mnist_cnn.tflite.mlshrink")));
        assertTrue(Files.isRegularFile(out.resolve("samples/ankle_boot.png")));
        String report = read(dir.resolve("app/build/reports/mlshrink/release/fashion_mnist_cnn.report.json"));
        assertTrue(report.contains("\"ok\": true"), report);

        // Package what the task produced with the repository's APK script (aapt2, zipalign, apksigner).
        Path apk = dir.resolve("release.apk");
        ProcessResult r = ProcessRunner.run(List.of("bash", TestPaths.repoRoot().resolve("test/apk/build-apk.sh").toString(),
                SAMPLE.toString(), out.toString(), apk.toString(), dir.resolve("apk-work").toString()), dir);
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().contains("Verified using v2 scheme (APK Signature Scheme v2): true"), r.stdout());
        System.out.println("release APK from the plugin task: " + Files.size(apk) + " bytes");
    }

    @Test
    void aBrokenAccuracyBudgetFailsTheTaskWithTheCompilersMessage() throws IOException {
        assumeTrue(Files.isRegularFile(SAMPLE_MODEL), "sample model not there yet: " + SAMPLE_MODEL);
        Path in = Files.createDirectories(dir.resolve("merged"));
        Files.copy(SAMPLE_MODEL, in.resolve("fashion_mnist_cnn.tflite"));
        MlShrinkAssetsTask task = task(in, ext -> {
            ext.getPrune().set(0.95);
            ext.getQuantize().set("none");
            ext.getEvalData().set(SAMPLE.resolve("mlshrink/eval").toFile());
            ext.getMaxAccuracyDrop().set(0.0);
        });
        GradleException e = assertThrows(GradleException.class, task::transform);
        assertTrue(e.getMessage().startsWith("mlshrink: " + in.resolve("fashion_mnist_cnn.tflite")), e.getMessage());
        assertTrue(e.getMessage().contains("exceeds the budget of 0.00"), e.getMessage());
        assertTrue(e.getMessage().contains("exited with code 2"), e.getMessage());
    }
}
