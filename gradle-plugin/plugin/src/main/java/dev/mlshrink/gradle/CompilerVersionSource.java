package dev.mlshrink.gradle;

import java.io.File;
import org.gradle.api.file.DirectoryProperty;
import org.gradle.api.provider.ListProperty;
import org.gradle.api.provider.ValueSource;
import org.gradle.api.provider.ValueSourceParameters;

/**
 * The installed compiler's version, as a lazily computed task input. A ValueSource (not a plain
 * provider) because finding it starts node, which the configuration cache only allows here.
 */
public abstract class CompilerVersionSource implements ValueSource<String, CompilerVersionSource.Params> {
    public interface Params extends ValueSourceParameters {
        ListProperty<String> getNodeExecutableAndArgs();

        DirectoryProperty getCompilerPackageDir();

        DirectoryProperty getProjectDirectory();
    }

    @Override
    public String obtain() {
        Params p = getParameters();
        File configured = p.getCompilerPackageDir().getAsFile().getOrNull();
        return CompilerLocator.locate(p.getNodeExecutableAndArgs().get(),
                configured == null ? null : configured.toPath(),
                p.getProjectDirectory().get().getAsFile().toPath()).version();
    }
}
