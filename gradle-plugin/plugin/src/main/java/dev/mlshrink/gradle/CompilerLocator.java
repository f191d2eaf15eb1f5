package dev.mlshrink.gradle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the mlshrink compiler the way React Native's Gradle plugin finds its CLI: an explicitly
 * configured package directory wins; otherwise node's own module resolution from the project
 * directory (so a normal {@code npm install --save-dev mlshrink} anywhere up the tree just works);
 * otherwise a clear error that names the settings to use.
 */
public final class CompilerLocator {
    static final String PACKAGE_NAME = "mlshrink";
    static final String CLI_SCRIPT = "bin/mlshrink.js";
    static final String RESOLVE_EXPRESSION = "require.resolve('mlshrink/package.json')";

    private static final Pattern NAME = Pattern.compile("\"name\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern VERSION = Pattern.compile("\"version\"\\s*:\\s*\"([^\"]*)\"");

    private CompilerLocator() {
    }

    /**
     * @param runner                starts node (Gradle's ExecOperations in the plugin)
     * @param nodeExecutableAndArgs how to start node, e.g. {@code ["node"]}
     * @param configuredPackageDir  the user's {@code compilerPackageDir}, or null to use node resolution
     * @param projectDir            where node resolution starts
     */
    public static CompilerLocation locate(CommandRunner runner, List<String> nodeExecutableAndArgs,
                                          Path configuredPackageDir, Path projectDir) {
        if (configuredPackageDir != null) {
            return fromPackageDir(configuredPackageDir, "mlshrink { compilerPackageDir } = " + configuredPackageDir);
        }
        Path packageJson = resolveWithNode(runner, nodeExecutableAndArgs, projectDir);
        return fromPackageDir(packageJson.getParent(), "node resolved mlshrink to " + packageJson.getParent());
    }

    /** The argv that asks node where the mlshrink package is, as seen from the working directory. */
    public static List<String> resolveArgv(List<String> nodeExecutableAndArgs) {
        List<String> argv = new ArrayList<>(nodeExecutableAndArgs);
        argv.add("--print");
        argv.add(RESOLVE_EXPRESSION);
        return argv;
    }

    static Path resolveWithNode(CommandRunner runner, List<String> nodeExecutableAndArgs, Path projectDir) {
        if (nodeExecutableAndArgs.isEmpty()) {
            throw new CompilerNotFoundException("mlshrink: nodeExecutableAndArgs is empty; set it to how node is started, "
                    + "e.g. mlshrink { nodeExecutableAndArgs.set(listOf(\"/usr/local/bin/node\")) }");
        }
        ProcessResult result;
        try {
            result = runner.run(resolveArgv(nodeExecutableAndArgs), projectDir);
        } catch (IOException e) {
            throw new CompilerNotFoundException("mlshrink: cannot run node (" + String.join(" ", nodeExecutableAndArgs)
                    + "): " + e.getMessage() + ". Install Node.js 20+ or set "
                    + "mlshrink { nodeExecutableAndArgs.set(listOf(\"/path/to/node\")) }");
        }
        if (!result.succeeded()) {
            throw new CompilerNotFoundException("mlshrink: cannot find the mlshrink compiler from " + projectDir
                    + " (node: " + firstLine(result.stderr()) + "). Install it with `npm install --save-dev mlshrink` "
                    + "in the project or a parent directory, or set "
                    + "mlshrink { compilerPackageDir.set(file(\"path/to/node_modules/mlshrink\")) }");
        }
        String printed = lastLine(result.stdout());
        Path packageJson = Path.of(printed);
        if (!packageJson.isAbsolute() || !Files.isRegularFile(packageJson)) {
            throw new CompilerNotFoundException("mlshrink: node printed an unexpected path for mlshrink/package.json: '"
                    + printed + "'");
        }
        return packageJson;
    }

    static CompilerLocation fromPackageDir(Path packageDir, String origin) {
        Path packageJson = packageDir.resolve("package.json");
        String text;
        try {
            text = Files.readString(packageJson, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CompilerNotFoundException("mlshrink: " + packageJson + " is not readable (" + origin
                    + "); point compilerPackageDir at the installed mlshrink package");
        }
        String name = firstMatch(NAME, text);
        if (!PACKAGE_NAME.equals(name)) {
            throw new CompilerNotFoundException("mlshrink: " + packageJson + " is package '" + name
                    + "', not 'mlshrink' (" + origin + ")");
        }
        Path cli = packageDir.resolve(CLI_SCRIPT);
        if (!Files.isRegularFile(cli)) {
            throw new CompilerNotFoundException("mlshrink: " + cli + " is missing (" + origin + ")");
        }
        String version = firstMatch(VERSION, text);
        if (version == null) {
            throw new CompilerNotFoundException("mlshrink: " + packageJson + " has no version");
        }
        return new CompilerLocation(packageDir.toAbsolutePath().normalize(), cli.toAbsolutePath().normalize(), version);
    }

    // package.json keeps "name" and "version" at the top, before any nested object that could
    // repeat those keys, so the first match is the package's own.
    private static String firstMatch(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        return m.find() ? m.group(1) : null;
    }

    /** The most telling line of node's stderr: its "Error: ..." line if any, else the first line. */
    static String firstLine(String text) {
        for (String line : text.split("\\R")) {
            if (line.contains("Error:")) {
                return line.trim();
            }
        }
        for (String line : text.split("\\R")) {
            if (!line.isBlank()) {
                return line.trim();
            }
        }
        return "no output";
    }

    static String lastLine(String text) {
        String[] lines = text.strip().split("\\R");
        return lines[lines.length - 1].trim();
    }
}
