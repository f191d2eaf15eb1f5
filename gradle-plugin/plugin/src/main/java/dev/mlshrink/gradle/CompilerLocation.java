package dev.mlshrink.gradle;

import java.nio.file.Path;

/**
 * Where the mlshrink compiler (the `mlshrink` npm package) is installed.
 *
 * @param packageDir the package root (holds package.json)
 * @param cliScript  the CLI entry point run with node ({@code bin/mlshrink.js})
 * @param version    the package version, a task input so a compiler upgrade re-runs the task
 */
public record CompilerLocation(Path packageDir, Path cliScript, String version) {
}
