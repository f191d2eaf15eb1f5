package dev.mlshrink.gradle;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import javax.inject.Inject;
import org.gradle.api.DefaultTask;
import org.gradle.api.GradleException;
import org.gradle.api.file.DirectoryProperty;
import org.gradle.api.provider.ListProperty;
import org.gradle.api.provider.Property;
import org.gradle.api.tasks.CacheableTask;
import org.gradle.api.tasks.Input;
import org.gradle.api.tasks.InputDirectory;
import org.gradle.api.tasks.InputFiles;
import org.gradle.api.tasks.Internal;
import org.gradle.api.tasks.Optional;
import org.gradle.api.tasks.OutputDirectory;
import org.gradle.api.tasks.PathSensitive;
import org.gradle.api.tasks.PathSensitivity;
import org.gradle.api.tasks.TaskAction;
import org.gradle.process.ExecOperations;

/**
 * Transforms a variant's merged assets: non-model files are copied, models are optimized by one
 * {@code mlshrink assets} run. Configuration-cache safe: the action reads only this task's properties.
 */
@CacheableTask
public abstract class MlShrinkAssetsTask extends DefaultTask {
    /** The merged assets (set by AGP's artifact transform). */
    @InputFiles
    @PathSensitive(PathSensitivity.RELATIVE)
    public abstract DirectoryProperty getInputAssets();

    /** The transformed assets that AGP packages into the APK. */
    @OutputDirectory
    public abstract DirectoryProperty getOutputAssets();

    /** Per-model reports ({@code <model>.report.json}); build/reports/mlshrink/<variant>/. */
    @OutputDirectory
    public abstract DirectoryProperty getReportDir();

    @Input
    public abstract ListProperty<String> getModels();

    @Input
    public abstract Property<Boolean> getAuto();

    /** 8 or 4 (packed int4 weights where the LiteRT kernel takes them). */
    @Input
    public abstract Property<Integer> getWeightBits();

    /** Normalized prune setting (see {@link CompilerSettings#normalizePrune}). */
    @Input
    public abstract Property<String> getPrune();

    @Input
    public abstract Property<String> getQuantize();

    @Input
    @Optional
    public abstract Property<Integer> getCluster();

    @Input
    public abstract Property<Boolean> getPack();

    @Input
    public abstract Property<Double> getMaxAccuracyDrop();

    @Input
    @Optional
    public abstract Property<Double> getMaxFidelityLoss();

    @InputDirectory
    @Optional
    @PathSensitive(PathSensitivity.RELATIVE)
    public abstract DirectoryProperty getCalibrationData();

    @InputDirectory
    @Optional
    @PathSensitive(PathSensitivity.RELATIVE)
    public abstract DirectoryProperty getEvalData();

    /** Training epochs (0 = none). */
    @Input
    public abstract Property<Integer> getFinetune();

    @InputDirectory
    @Optional
    @PathSensitive(PathSensitivity.RELATIVE)
    public abstract DirectoryProperty getTrainingData();

    @Input
    @Optional
    public abstract Property<Integer> getFinetuneSamples();

    /** With auto: time the search and training may take per model. */
    @Input
    @Optional
    public abstract Property<Duration> getTimeBudget();

    /** The compiler's version: upgrading mlshrink re-runs the task instead of reusing stale outputs. */
    @Input
    public abstract Property<String> getCompilerVersion();

    // Where node and the compiler are is machine-specific and must not split the build cache;
    // the compiler's identity is captured by compilerVersion.
    @Internal
    public abstract ListProperty<String> getNodeExecutableAndArgs();

    @Internal
    public abstract DirectoryProperty getCompilerPackageDir();

    @Internal
    public abstract DirectoryProperty getProjectDirectory();

    /** Gradle's process launcher, injected as Gradle documents for task actions. */
    @Inject
    protected abstract ExecOperations getExecOperations();

    @TaskAction
    public void transform() {
        Path in = getInputAssets().get().getAsFile().toPath();
        Path out = getOutputAssets().get().getAsFile().toPath();
        Path reports = getReportDir().get().getAsFile().toPath();
        // Validated before anything is written or started.
        CompilerSettings settings = new CompilerSettings(getModels().get(), getPrune().get(), getQuantize().get(),
                getCluster().getOrNull(), getPack().get(), getMaxAccuracyDrop().get(),
                pathOrNull(getCalibrationData()), pathOrNull(getEvalData()), getMaxFidelityLoss().getOrNull(),
                getAuto().get(), getWeightBits().get(),
                new Finetune(getFinetune().get(), pathOrNull(getTrainingData()), getFinetuneSamples().getOrNull()),
                getTimeBudget().getOrNull());
        try {
            emptyDirectory(out);
            emptyDirectory(reports);
            if (!ModelGlobs.anyMatch(in, settings.models())) {
                // No model in this variant's assets: they pass through unchanged, without node or the compiler.
                copyTree(in, out);
                return;
            }
            runCompiler(settings, in, out, reports);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One {@code mlshrink assets} run over the whole folder: copies the other files, optimizes the models. */
    private void runCompiler(CompilerSettings settings, Path in, Path out, Path reports) throws IOException {
        CommandRunner runner = new ExecRunner(getExecOperations());
        Path projectDir = getProjectDirectory().get().getAsFile().toPath();
        CompilerLocation compiler = CompilerLocator.locate(runner, getNodeExecutableAndArgs().get(),
                pathOrNull(getCompilerPackageDir()), projectDir);
        Path config = getTemporaryDir().toPath().resolve("mlshrink-config.json");
        Files.writeString(config, settings.toJson(), StandardCharsets.UTF_8);
        List<String> argv = AssetsCommand.argv(getNodeExecutableAndArgs().get(), compiler.cliScript(), in, out,
                config, reports);
        getLogger().info("mlshrink: {}", String.join(" ", argv));
        ProcessResult result = runner.run(argv, projectDir);
        if (!result.stdout().isBlank()) {
            getLogger().lifecycle(result.stdout().strip());
        }
        logReportLink(reports, getLogger());
        if (!result.succeeded()) {
            throw new GradleException(AssetsCommand.failureMessage(result));
        }
    }

    /** Prints the index page's file URL the way Gradle prints its test report link. */
    static void logReportLink(Path reports, org.gradle.api.logging.Logger logger) {
        Path index = reports.resolve("index.html");
        if (Files.isRegularFile(index)) {
            logger.lifecycle("mlshrink: see the report at: {}", index.toUri());
        }
    }

    private static Path pathOrNull(DirectoryProperty dir) {
        File f = dir.getAsFile().getOrNull();
        return f == null ? null : f.toPath();
    }

    /** Copies {@code from} (if it exists) into the existing folder {@code to}, keeping relative paths. */
    static void copyTree(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.sorted().toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    /** Leaves {@code dir} existing and empty, so files from a previous run cannot leak into the APK. */
    static void emptyDirectory(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    if (!p.equals(dir)) {
                        Files.delete(p);
                    }
                }
            }
        }
        Files.createDirectories(dir);
    }
}
