package dev.mlshrink.gradle;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The single compiler invocation per variant:
 * {@code node bin/mlshrink.js assets --in <dir> --out <dir> --config <json> --report-dir <dir>}.
 * One call for the whole assets directory, so node and the LiteRT runtime start once.
 */
public final class AssetsCommand {
    private AssetsCommand() {
    }

    public static List<String> argv(List<String> nodeExecutableAndArgs, Path cliScript, Path inputDir, Path outputDir,
                                    Path configFile, Path reportDir) {
        List<String> argv = new ArrayList<>(nodeExecutableAndArgs);
        argv.add(cliScript.toString());
        argv.add("assets");
        argv.add("--in");
        argv.add(inputDir.toString());
        argv.add("--out");
        argv.add(outputDir.toString());
        argv.add("--config");
        argv.add(configFile.toString());
        argv.add("--report-dir");
        argv.add(reportDir.toString());
        return argv;
    }

    /**
     * The build failure text for a failed run: the compiler's own one-line message (e.g. the broken
     * accuracy budget) first, so it is what the user sees at the top of Gradle's output.
     */
    public static String failureMessage(ProcessResult result) {
        String stderr = result.stderr().strip();
        String reason = stderr.isEmpty() ? "no message on stderr" : stderr;
        return reason + System.lineSeparator() + "(mlshrink assets exited with code " + result.exitCode() + ")";
    }
}
