package dev.mlshrink.gradle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.android.build.api.artifact.Artifacts;
import com.android.build.api.artifact.SingleArtifact;
import com.android.build.api.variant.AndroidComponentsExtension;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.gradle.api.Project;
import org.gradle.testfixtures.ProjectBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin's AGP logic under real Gradle, against {@link FakeAndroidAppPlugin}: recording proxies of the
 * real AGP API interfaces. Surefire runs this class twice, with the gradle-api 8.1.0 jar (the one the
 * plugin is compiled against) and with 8.7.0 on the classpath ({@code mlshrink.agpApiVersion} says which).
 */
class AgpWiringTest {
    @TempDir
    Path dir;

    @AfterEach
    void resetFake() {
        FakeAndroidAppPlugin.major = 8;
        FakeAndroidAppPlugin.minor = 7;
    }

    private Project androidProject() {
        Project project = ProjectBuilder.builder().withProjectDir(dir.toFile()).build();
        project.getPluginManager().apply("dev.mlshrink");
        project.getPluginManager().apply("com.android.application");
        return project;
    }

    private static FakeAndroidAppPlugin.FakeComponents components(Project project) {
        return project.getExtensions().getByType(FakeAndroidAppPlugin.FakeComponents.class);
    }

    @Test
    void runsAgainstTheRealAgpApiJarThisExecutionNames() throws Exception {
        String expected = System.getProperty("mlshrink.agpApiVersion");
        assertNotNull(expected, "surefire sets mlshrink.agpApiVersion");
        String jar = Path.of(AndroidComponentsExtension.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .getFileName().toString();
        assertEquals("gradle-api-" + expected + ".jar", jar);
        assertEquals(jar, Path.of(Artifacts.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .getFileName().toString());
    }

    @Test
    void onlySelectedBuildTypesGetATransformOfTheAssets() {
        Project project = androidProject();
        FakeAndroidAppPlugin.FakeVariant debug = new FakeAndroidAppPlugin.FakeVariant("debug", "debug");
        FakeAndroidAppPlugin.FakeVariant release = new FakeAndroidAppPlugin.FakeVariant("release", "release");
        FakeAndroidAppPlugin.FakeVariant paidRelease = new FakeAndroidAppPlugin.FakeVariant("paidRelease", "release");
        components(project).runVariants(debug, release, paidRelease);

        assertTrue(debug.wirings.isEmpty(), "debug is left untouched by default");
        assertNull(project.getTasks().findByName("mlshrinkDebugAssets"));
        for (FakeAndroidAppPlugin.FakeVariant v : List.of(release, paidRelease)) {
            assertEquals(1, v.wirings.size());
            FakeAndroidAppPlugin.Wiring w = v.wirings.get(0);
            MlShrinkAssetsTask task = (MlShrinkAssetsTask) w.task.get();
            assertEquals(MlShrinkPlugin.taskName(v.name), task.getName());
            assertSame(task, project.getTasks().getByName(MlShrinkPlugin.taskName(v.name)));
            // The transform reads the task's input directory and publishes its output directory.
            assertSame(task.getInputAssets(), w.input.invoke(task));
            assertSame(task.getOutputAssets(), w.output.invoke(task));
            assertSame(SingleArtifact.ASSETS.INSTANCE, w.transformed);
            assertEquals(dir.resolve("build/reports/mlshrink/" + v.name).toFile(), task.getReportDir().get().getAsFile());
        }
    }

    @Test
    void buildTypesAreConfigurable() {
        Project project = androidProject();
        project.getExtensions().getByType(MlShrinkExtension.class).getBuildTypes().set(List.of("debug", "release"));
        FakeAndroidAppPlugin.FakeVariant debug = new FakeAndroidAppPlugin.FakeVariant("debug", "debug");
        components(project).runVariants(debug);
        assertEquals(1, debug.wirings.size());
    }

    @Test
    void runtimeLibraryIsAddedUnlessSwitchedOff() {
        Project on = androidProject();
        List<String> deps = on.getConfigurations().getByName("implementation").getDependencies().stream()
                .map(d -> d.getGroup() + ":" + d.getName() + ":" + d.getVersion()).collect(Collectors.toList());
        assertEquals(List.of("dev.mlshrink:mlshrink-runtime:" + PluginVersion.get()), deps);

        Project off = ProjectBuilder.builder().withProjectDir(dir.resolve("off").toFile()).build();
        off.getPluginManager().apply("dev.mlshrink");
        off.getPluginManager().apply("com.android.application");
        // Switched off after the plugins are applied, as a build script does.
        off.getExtensions().getByType(MlShrinkExtension.class).getAddRuntimeDependency().set(false);
        assertTrue(off.getConfigurations().getByName("implementation").getDependencies().isEmpty());
    }

    @Test
    void agpOlderThan81IsRefusedWithAClearMessage() {
        FakeAndroidAppPlugin.major = 8;
        FakeAndroidAppPlugin.minor = 0;
        Project project = ProjectBuilder.builder().withProjectDir(dir.toFile()).build();
        project.getPluginManager().apply("dev.mlshrink");
        Exception e = assertThrows(Exception.class, () -> project.getPluginManager().apply("com.android.application"));
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        assertTrue(root.getMessage().contains("Android Gradle Plugin 8.1 or newer (this build uses 8.0)"), root.getMessage());
    }
}
