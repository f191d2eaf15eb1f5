package dev.mlshrink.gradle;

import java.io.File;
import javax.inject.Inject;
import org.gradle.api.file.DirectoryProperty;
import org.gradle.api.provider.ListProperty;
import org.gradle.api.provider.ValueSource;
import org.gradle.api.provider.ValueSourceParameters;
import org.gradle.process.ExecOperations;

/**
 * The installed compiler's version, as a lazily computed task input. A ValueSource (not a plain provider)
 * because finding it may start node, which the configuration cache allows only here, through the injected
 * {@link ExecOperations}. When the variant's assets hold no model it is {@link #NO_MODELS} and node is not
 * started at all: such a build must not need node.
 */
public abstract class CompilerVersionSource implements ValueSource<String, CompilerVersionSource.Params> {
    /** The version input of a variant whose assets have no model (no compiler is needed, none is looked for). */
    public static final String NO_MODELS = "none: no models in the assets";

    public interface Params extends ValueSourceParameters {
        ListProperty<String> getNodeExecutableAndArgs();

        DirectoryProperty getCompilerPackageDir();

        DirectoryProperty getProjectDirectory();

        /** The variant's merged assets and the model globs: no match, no compiler needed. */
        DirectoryProperty getInputAssets();

        ListProperty<String> getModels();
    }

    @Inject
    protected abstract ExecOperations getExecOperations();

    @Override
    public String obtain() {
        Params p = getParameters();
        File assets = p.getInputAssets().getAsFile().getOrNull();
        if (assets != null && !ModelGlobs.anyMatch(assets.toPath(), p.getModels().get())) {
            return NO_MODELS;
        }
        File configured = p.getCompilerPackageDir().getAsFile().getOrNull();
        return CompilerLocator.locate(new ExecRunner(getExecOperations()), p.getNodeExecutableAndArgs().get(),
                configured == null ? null : configured.toPath(),
                p.getProjectDirectory().get().getAsFile().toPath()).version();
    }
}
