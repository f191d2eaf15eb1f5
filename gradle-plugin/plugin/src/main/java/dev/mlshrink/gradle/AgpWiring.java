package dev.mlshrink.gradle;

import com.android.build.api.AndroidPluginVersion;
import com.android.build.api.artifact.SingleArtifact;
import com.android.build.api.variant.AndroidComponentsExtension;
import com.android.build.api.variant.Variant;
import org.gradle.api.GradleException;
import org.gradle.api.Project;
import org.gradle.api.tasks.TaskProvider;

/**
 * ALL of the plugin's Android Gradle Plugin glue, kept in this one file. Compiled against AGP's public API
 * jar ({@code com.android.tools.build:gradle-api} 8.1.0, compile-only: users' builds supply AGP) and
 * tested against 8.1.0 and 8.7.0. Uses the Variant API as AGP's own recipe for transforming a directory
 * artifact does (android/gradle-recipes, transformDirectory): each selected variant's merged assets are
 * transformed by the variant's {@link MlShrinkAssetsTask} before packaging.
 */
final class AgpWiring {
    private AgpWiring() {
    }

    static void wire(Project project, MlShrinkExtension ext) {
        AndroidComponentsExtension<?, ?, ?> components =
                (AndroidComponentsExtension<?, ?, ?>) project.getExtensions().getByName("androidComponents");
        requireAgp81(components.getPluginVersion());
        wireVariants(project, ext, components);
    }

    private static <V extends Variant> void wireVariants(Project project, MlShrinkExtension ext,
                                                         AndroidComponentsExtension<?, ?, V> components) {
        components.onVariants(components.selector().all(), variant -> {
            // Read at onVariants time: the DSL has been evaluated by then.
            if (!ext.getBuildTypes().get().contains(variant.getBuildType())) {
                return;
            }
            TaskProvider<MlShrinkAssetsTask> task = MlShrinkPlugin.registerAssetsTask(project, ext, variant.getName());
            variant.getArtifacts().use(task)
                    .wiredWithDirectories(MlShrinkAssetsTask::getInputAssets, MlShrinkAssetsTask::getOutputAssets)
                    .toTransform(SingleArtifact.ASSETS.INSTANCE);
        });
    }

    private static void requireAgp81(AndroidPluginVersion version) {
        if (version.getMajor() < 8 || (version.getMajor() == 8 && version.getMinor() < 1)) {
            throw new GradleException("mlshrink needs the Android Gradle Plugin 8.1 or newer (this build uses "
                    + version.getMajor() + "." + version.getMinor() + ")");
        }
    }
}
