package dev.mlshrink.gradle;

import java.util.List;
import java.util.Locale;
import org.gradle.api.Plugin;
import org.gradle.api.Project;
import org.gradle.api.artifacts.Dependency;
import org.gradle.api.file.Directory;
import org.gradle.api.file.ProjectLayout;
import org.gradle.api.provider.Provider;
import org.gradle.api.provider.ProviderFactory;
import org.gradle.api.tasks.TaskProvider;

/**
 * Plugin {@code dev.mlshrink}: optimizes the .tflite models in an Android app's assets at build time.
 * Everything that touches the Android Gradle Plugin is in {@link AgpWiring}; this class only sets up
 * the extension, the runtime dependency and the per-variant task.
 */
public class MlShrinkPlugin implements Plugin<Project> {
    public static final String EXTENSION_NAME = "mlshrink";
    public static final String ANDROID_APPLICATION_PLUGIN = "com.android.application";

    @Override
    public void apply(Project project) {
        MlShrinkExtension ext = project.getExtensions().create(EXTENSION_NAME, MlShrinkExtension.class);
        applyConventions(ext, project.getLayout(), project.getProviders());
        project.getPluginManager().withPlugin(ANDROID_APPLICATION_PLUGIN, applied -> {
            AgpWiring.wire(project, ext);
            addRuntimeDependency(project, ext);
        });
    }

    static void applyConventions(MlShrinkExtension ext, ProjectLayout layout, ProviderFactory providers) {
        ext.getBuildTypes().convention(List.of("release"));
        ext.getModels().convention(List.of("**/*.tflite"));
        // The compiler's own defaults: no pruning (it needs data to be safe), int8, packed, 1 point budget.
        ext.getAuto().convention(false);
        ext.getPrune().convention("none");
        ext.getQuantize().convention("int8");
        ext.getWeightBits().convention(8);
        ext.getPack().convention(true);
        ext.getMaxAccuracyDrop().convention(0.01);
        ext.getNodeExecutableAndArgs().convention(List.of("node"));
        ext.getAddRuntimeDependency().convention(true);
        ext.getCalibrationData().convention(existingDir(layout, providers, "mlshrink/calibration"));
        ext.getEvalData().convention(existingDir(layout, providers, "mlshrink/eval"));
        ext.getFinetune().convention(0);
        ext.getTrainingData().convention(existingDir(layout, providers, "mlshrink/train"));
    }

    /** The folder if it exists (checked lazily), else no value: the data inputs are optional. */
    private static Provider<Directory> existingDir(ProjectLayout layout, ProviderFactory providers, String path) {
        Directory dir = layout.getProjectDirectory().dir(path);
        return providers.provider(() -> dir.getAsFile().isDirectory() ? dir : null);
    }

    /**
     * Adds the runtime decoder library to {@code implementation}, lazily: the switch is read when the
     * dependencies are first looked at, after the build script has run (no afterEvaluate needed).
     */
    static void addRuntimeDependency(Project project, MlShrinkExtension ext) {
        Dependency runtime = project.getDependencies().create(PluginVersion.runtimeCoordinates());
        project.getConfigurations().named("implementation", c -> c.getDependencies().addAllLater(
                ext.getAddRuntimeDependency().map(on -> on ? List.of(runtime) : List.<Dependency>of())));
    }

    /** The compiler's version for the task's inputs, found (by node, if need be) only when the assets have models. */
    private static Provider<String> compilerVersion(Project project, MlShrinkExtension ext, MlShrinkAssetsTask task) {
        return project.getProviders().of(CompilerVersionSource.class, spec -> {
            spec.getParameters().getNodeExecutableAndArgs().set(ext.getNodeExecutableAndArgs());
            spec.getParameters().getCompilerPackageDir().set(ext.getCompilerPackageDir());
            spec.getParameters().getProjectDirectory().set(project.getLayout().getProjectDirectory());
            spec.getParameters().getInputAssets().set(task.getInputAssets());
            spec.getParameters().getModels().set(task.getModels());
        });
    }

    /** {@code release} → {@code mlshrinkReleaseAssets}. */
    public static String taskName(String variantName) {
        return "mlshrink" + variantName.substring(0, 1).toUpperCase(Locale.ROOT) + variantName.substring(1) + "Assets";
    }

    /**
     * Registers the assets task of one variant, its inputs taken lazily from the extension. The
     * caller (AGP wiring, or a test) connects inputAssets/outputAssets.
     */
    public static TaskProvider<MlShrinkAssetsTask> registerAssetsTask(Project project, MlShrinkExtension ext,
                                                                     String variantName) {
        ProjectLayout layout = project.getLayout();
        return project.getTasks().register(taskName(variantName), MlShrinkAssetsTask.class, task -> {
            task.setGroup("build");
            task.setDescription("Optimizes the .tflite models in the " + variantName + " assets with mlshrink.");
            task.getReportDir().convention(layout.getBuildDirectory().dir("reports/mlshrink/" + variantName));
            task.getModels().set(ext.getModels());
            task.getAuto().set(ext.getAuto());
            task.getPrune().set(ext.getPrune().map(CompilerSettings::normalizePrune));
            task.getQuantize().set(ext.getQuantize());
            task.getWeightBits().set(ext.getWeightBits());
            task.getCluster().set(ext.getCluster());
            task.getPack().set(ext.getPack());
            task.getMaxAccuracyDrop().set(ext.getMaxAccuracyDrop());
            task.getMaxFidelityLoss().set(ext.getMaxFidelityLoss());
            task.getCalibrationData().set(ext.getCalibrationData());
            task.getEvalData().set(ext.getEvalData());
            task.getFinetune().set(ext.getFinetune());
            // Only an input when training runs: edits to an unused mlshrink/train must not re-run the task.
            task.getTrainingData().set(ext.getFinetune().flatMap(
                    epochs -> epochs > 0 ? ext.getTrainingData() : project.getObjects().directoryProperty()));
            task.getFinetuneSamples().set(ext.getFinetuneSamples());
            task.getTimeBudget().set(ext.getTimeBudget());
            task.getCompilerVersion().set(compilerVersion(project, ext, task));
            task.getNodeExecutableAndArgs().set(ext.getNodeExecutableAndArgs());
            task.getCompilerPackageDir().set(ext.getCompilerPackageDir());
            task.getProjectDirectory().set(layout.getProjectDirectory());
        });
    }
}
