package dev.mlshrink.gradle;

import com.android.build.api.AndroidPluginVersion;
import com.android.build.api.artifact.Artifact;
import com.android.build.api.artifact.InAndOutDirectoryOperationRequest;
import com.android.build.api.artifact.TaskBasedOperation;
import com.android.build.api.variant.AndroidComponentsExtension;
import com.android.build.api.variant.Artifacts;
import com.android.build.api.variant.Variant;
import com.android.build.api.variant.VariantSelector;
import java.util.ArrayList;
import java.util.List;
import kotlin.jvm.functions.Function1;
import org.gradle.api.Action;
import org.gradle.api.Plugin;
import org.gradle.api.Project;
import org.gradle.api.Task;
import org.gradle.api.file.Directory;
import org.gradle.api.file.DirectoryProperty;
import org.gradle.api.tasks.TaskProvider;

/**
 * TEST DOUBLE registered as {@code com.android.application} on the test classpath only: records
 * what the plugin asks of AGP's Variant API (the compile-only declarations in src/agpStubs), so the
 * plugin's own logic (variant selection, artifact wiring, version gate, runtime dependency) runs
 * under ProjectBuilder. It says nothing about binary compatibility with the real AGP.
 */
public class FakeAndroidAppPlugin implements Plugin<Project> {
    /** The AGP version the fake reports; tests set it before applying. */
    static int major = 8;
    static int minor = 7;

    @Override
    public void apply(Project project) {
        project.getPluginManager().apply("java"); // for an `implementation` configuration
        project.getExtensions().add(FakeComponents.class, "androidComponents", new FakeComponents(major, minor));
    }

    /** One wiring request made through Artifacts.use(...).wiredWithDirectories(...).toTransform(...). */
    static final class Wiring {
        TaskProvider<? extends Task> task;
        Function1<? super Task, ? extends DirectoryProperty> input;
        Function1<? super Task, ? extends DirectoryProperty> output;
        Object transformed;
        boolean toTransformCalled;
    }

    static final class FakeVariant implements Variant {
        final String name;
        final String buildType;
        final List<Wiring> wirings = new ArrayList<>();

        FakeVariant(String name, String buildType) {
            this.name = name;
            this.buildType = buildType;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public String getBuildType() {
            return buildType;
        }

        @Override
        public Artifacts getArtifacts() {
            return new Artifacts() {
                @Override
                @SuppressWarnings("unchecked")
                public <TaskT extends Task> TaskBasedOperation<TaskT> use(TaskProvider<TaskT> taskProvider) {
                    Wiring w = new Wiring();
                    w.task = taskProvider;
                    wirings.add(w);
                    return (in, out) -> {
                        w.input = (Function1<? super Task, ? extends DirectoryProperty>) (Function1<?, ?>) in;
                        w.output = (Function1<? super Task, ? extends DirectoryProperty>) (Function1<?, ?>) out;
                        return new InAndOutDirectoryOperationRequest<TaskT>() {
                            @Override
                            public <A extends Artifact.Single<Directory> & Artifact.Transformable> void toTransform(A type) {
                                w.toTransformCalled = true;
                                w.transformed = type;
                            }
                        };
                    };
                }
            };
        }
    }

    static final class FakeComponents implements AndroidComponentsExtension<Object, Object, FakeVariant> {
        final int major;
        final int minor;
        final List<Action<FakeVariant>> callbacks = new ArrayList<>();

        FakeComponents(int major, int minor) {
            this.major = major;
            this.minor = minor;
        }

        @Override
        public AndroidPluginVersion getPluginVersion() {
            return new AndroidPluginVersion(major, minor);
        }

        @Override
        public VariantSelector selector() {
            return new VariantSelector() {
                @Override
                public VariantSelector all() {
                    return this;
                }
            };
        }

        @Override
        public void onVariants(VariantSelector selector, Action<FakeVariant> callback) {
            callbacks.add(callback);
        }

        /** What AGP does after the DSL is evaluated: hand each variant to the callbacks. */
        void runVariants(FakeVariant... variants) {
            for (FakeVariant v : variants) {
                callbacks.forEach(c -> c.execute(v));
            }
        }
    }
}
