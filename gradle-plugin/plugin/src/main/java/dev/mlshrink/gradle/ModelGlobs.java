package dev.mlshrink.gradle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Whether an assets folder holds any file that the {@code models} globs select, so that a variant without
 * models needs neither node nor the compiler. Errs towards "yes": a false yes only means the compiler runs
 * (and decides with its own glob rules), a false no would ship unoptimized models.
 */
final class ModelGlobs {
    private ModelGlobs() {
    }

    static boolean anyMatch(Path assetsDir, List<String> globs) {
        if (!Files.isDirectory(assetsDir)) {
            return false;
        }
        List<PathMatcher> matchers = new ArrayList<>();
        for (String glob : globs) {
            matchers.add(FileSystems.getDefault().getPathMatcher("glob:" + glob));
            // Java's "**/" needs at least one folder; the compiler's globs also match at the top level.
            String g = glob;
            while (g.startsWith("**/")) {
                g = g.substring(3);
                matchers.add(FileSystems.getDefault().getPathMatcher("glob:" + g));
            }
        }
        try (Stream<Path> files = Files.walk(assetsDir)) {
            return files.filter(Files::isRegularFile).map(assetsDir::relativize)
                    .anyMatch(rel -> matchers.stream().anyMatch(m -> m.matches(rel)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
