package dev.mlshrink.gradle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class AssetsCommandTest {
    @Test
    void buildsOneAssetsCallForTheWholeDirectory() {
        List<String> argv = AssetsCommand.argv(List.of("node", "--max-old-space-size=4096"),
                Path.of("/c/bin/mlshrink.js"), Path.of("/in"), Path.of("/out"), Path.of("/tmp/config.json"),
                Path.of("/reports"));
        assertEquals(List.of("node", "--max-old-space-size=4096", "/c/bin/mlshrink.js", "assets",
                "--in", "/in", "--out", "/out", "--config", "/tmp/config.json", "--report-dir", "/reports"), argv);
    }

    @Test
    void failureMessageLeadsWithTheCompilersOwnMessage() {
        String msg = AssetsCommand.failureMessage(new ProcessResult(2, "",
                "mlshrink: model.tflite: accuracy drop 0.031 exceeds maxAccuracyDrop 0.01\n"));
        assertTrue(msg.startsWith("mlshrink: model.tflite: accuracy drop 0.031 exceeds maxAccuracyDrop 0.01"), msg);
        assertTrue(msg.contains("exited with code 2"), msg);
        assertTrue(AssetsCommand.failureMessage(new ProcessResult(1, "", "")).contains("no message on stderr"));
    }

    @Test
    void resolveArgvAsksNodeForThePackageJson() {
        assertEquals(List.of("/opt/node", "--print", "require.resolve('mlshrink/package.json')"),
                CompilerLocator.resolveArgv(List.of("/opt/node")));
    }
}
