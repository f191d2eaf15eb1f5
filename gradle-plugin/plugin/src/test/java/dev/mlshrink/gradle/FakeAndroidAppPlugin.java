package dev.mlshrink.gradle;

import com.android.build.api.AndroidPluginVersion;
import com.android.build.api.artifact.Artifacts;
import com.android.build.api.artifact.InAndOutDirectoryOperationRequest;
import com.android.build.api.artifact.TaskBasedOperation;
import com.android.build.api.variant.AndroidComponentsExtension;
import com.android.build.api.variant.Variant;
import com.android.build.api.variant.VariantSelector;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import kotlin.jvm.functions.Function1;
import org.gradle.api.Action;
import org.gradle.api.Plugin;
import org.gradle.api.Project;
import org.gradle.api.tasks.TaskProvider;

/**
 * TEST DOUBLE registered as {@code com.android.application} on the test classpath only. Its objects are
 * {@link Proxy} instances of the REAL AGP API interfaces ({@code com.android.build.api.*} from whichever
 * {@code gradle-api} jar is on the classpath: surefire runs the wiring test with 8.1.0 and with 8.7.0), so
 * the plugin's compiled calls are linked against the real API exactly as in a user's build; the proxies
 * only record what the plugin asks for. A call the double does not expect fails the test.
 */
public class FakeAndroidAppPlugin implements Plugin<Project> {
    /** The AGP version the fake reports; tests set it before applying. */
    static int major = 8;
    static int minor = 7;

    @Override
    public void apply(Project project) {
        project.getPluginManager().apply("java"); // for an `implementation` configuration
        FakeComponents components = new FakeComponents(major, minor);
        project.getExtensions().add(FakeComponents.class, "fakeAndroidComponents", components);
        project.getExtensions().add("androidComponents", components.proxy);
    }

    /** One wiring request made through artifacts.use(task).wiredWithDirectories(in, out).toTransform(type). */
    static final class Wiring {
        TaskProvider<?> task;
        Function1<Object, Object> input;
        Function1<Object, Object> output;
        Object transformed;
    }

    /** A variant as AGP hands it to onVariants: a proxy of the real {@link Variant} interface. */
    static final class FakeVariant {
        final String name;
        final String buildType;
        final List<Wiring> wirings = new ArrayList<>();
        final Variant proxy;

        FakeVariant(String name, String buildType) {
            this.name = name;
            this.buildType = buildType;
            this.proxy = proxy(Variant.class, (method, args) -> switch (method.getName()) {
                case "getName" -> name;
                case "getBuildType" -> buildType;
                // Declared on Component in the real API (returns com.android.build.api.artifact.Artifacts).
                case "getArtifacts" -> artifacts();
                default -> unexpected(method);
            });
        }

        private Artifacts artifacts() {
            return proxy(Artifacts.class, (method, args) -> {
                if (!method.getName().equals("use")) {
                    return unexpected(method);
                }
                Wiring w = new Wiring();
                w.task = (TaskProvider<?>) args[0];
                wirings.add(w);
                return proxy(TaskBasedOperation.class, (m2, a2) -> {
                    if (!m2.getName().equals("wiredWithDirectories")) {
                        return unexpected(m2);
                    }
                    w.input = function(a2[0]);
                    w.output = function(a2[1]);
                    return proxy(InAndOutDirectoryOperationRequest.class, (m3, a3) -> {
                        if (!m3.getName().equals("toTransform")) {
                            return unexpected(m3);
                        }
                        w.transformed = a3[0];
                        return null;
                    });
                });
            });
        }
    }

    /** The {@code androidComponents} extension: a proxy of the real {@link AndroidComponentsExtension}. */
    static final class FakeComponents {
        final List<Action<Object>> callbacks = new ArrayList<>();
        final AndroidComponentsExtension<?, ?, ?> proxy;

        FakeComponents(int major, int minor) {
            VariantSelector all = proxy(VariantSelector.class, (method, args) ->
                    method.getName().equals("all") ? null : unexpected(method));
            this.proxy = proxy(AndroidComponentsExtension.class, (method, args) -> switch (method.getName()) {
                // Declared on AndroidComponentsExtension in 8.1, on its super-interface AndroidComponents in 8.7.
                case "getPluginVersion" -> new AndroidPluginVersion(major, minor);
                case "selector" -> all;
                case "onVariants" -> {
                    if (args[0] != all || !(args[1] instanceof Action<?>)) {
                        yield unexpected(method);
                    }
                    @SuppressWarnings("unchecked")
                    Action<Object> callback = (Action<Object>) args[1];
                    callbacks.add(callback);
                    yield null;
                }
                default -> unexpected(method);
            });
        }

        /** What AGP does after the DSL is evaluated: hand each variant to the callbacks. */
        void runVariants(FakeVariant... variants) {
            for (FakeVariant v : variants) {
                callbacks.forEach(c -> c.execute(v.proxy));
            }
        }
    }

    interface Handler {
        Object handle(Method method, Object[] args) throws Throwable;
    }

    /** A proxy of {@code type}; Object's methods get identity semantics, the rest go to {@code handler}. */
    static <T> T proxy(Class<T> type, Handler handler) {
        Object p = Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (self, method, args) -> {
            switch (method.getName()) {
                case "equals":
                    if (method.getParameterCount() == 1) {
                        return self == args[0];
                    }
                    break;
                case "hashCode":
                    if (method.getParameterCount() == 0) {
                        return System.identityHashCode(self);
                    }
                    break;
                case "toString":
                    if (method.getParameterCount() == 0) {
                        return "fake " + type.getSimpleName();
                    }
                    break;
                default:
                    break;
            }
            Object result = handler.handle(method, args);
            // VariantSelector.all() returns the selector itself.
            return result == null && method.getReturnType().isInstance(self) ? self : result;
        });
        return type.cast(p);
    }

    @SuppressWarnings("unchecked")
    private static Function1<Object, Object> function(Object f) {
        return (Function1<Object, Object>) f;
    }

    private static Object unexpected(Method method) {
        throw new UnsupportedOperationException("the AGP test double does not expect " + method);
    }
}
