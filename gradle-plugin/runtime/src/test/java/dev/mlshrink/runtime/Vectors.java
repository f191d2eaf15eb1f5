package dev.mlshrink.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/** Test vectors made by the TypeScript encoder: a few committed tiny ones, the rest generated per test run. */
final class Vectors {
  private static Path generated;

  private Vectors() {}

  /** Names of the small vectors committed under src/test/resources/vectors. */
  static final String[] COMMITTED = {"simple_add_model.tflite", "hello_world_int8.tflite"};

  static byte[] resource(String file) throws IOException {
    try (InputStream in = Vectors.class.getResourceAsStream("/vectors/" + file)) {
      if (in == null) throw new IOException("missing test resource " + file);
      return in.readAllBytes();
    }
  }

  /**
   * Runs the TypeScript vector writer (compiler/src/pack/write-vectors.ts) once per JVM: every fixture
   * model and some synthetic inputs, packed by the real encoder, next to their original bytes.
   */
  static synchronized Path generated() throws IOException, InterruptedException {
    if (generated != null) return generated;
    Path root = Paths.get(System.getProperty("mlshrink.repoRoot", "../..")).toAbsolutePath().normalize();
    Path dir = Paths.get(System.getProperty("mlshrink.vectorDir", "target/vectors")).toAbsolutePath();
    Process p = new ProcessBuilder("node", "--import", "tsx", "compiler/src/pack/write-vectors.ts", dir.toString())
        .directory(root.toFile())
        .inheritIO()
        .start();
    assertEquals(0, p.waitFor(), "the TypeScript vector writer failed (needs node and npm ci in " + root + ")");
    generated = dir;
    return dir;
  }

  static List<String> generatedNames() throws IOException, InterruptedException {
    return Files.readAllLines(generated().resolve("vectors.txt"));
  }
}
