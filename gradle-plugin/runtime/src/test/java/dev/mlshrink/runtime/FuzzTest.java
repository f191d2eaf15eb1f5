package dev.mlshrink.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Mutation fuzzing with a fixed seed: every mutated input must either decode to the original bytes or be
 * rejected with PackFormatException, never with another exception, a hang or a huge allocation.
 */
class FuzzTest {
  private static final int MUTANTS_PER_SEED = 3_000;
  private static final long MAX_DECODED = 4L << 20;

  @Test
  void mutatedInputsDecodeCorrectlyOrFailCleanly() throws Exception {
    Path dir = Vectors.generated();
    String[] names = {
      "v1 hello_world_int8", "v1 simple_add_model", "v1 micro_speech", "v1 int8 section",
      "v2 hello_world_int8 (shared only)", "v2 trained_lstm (whole-file lzma)", "v2 int8-density", "v2 int8 section", "v2 int8-rows", "v2 lzma",
      "v2 shared stream with distance postfix bits",
    };
    byte[][][] seeds = {
      // version 1 (committed vectors and the v1 encoder): BYTES, DEFLATE, INT8 sections
      {Vectors.resource("hello_world_int8.tflite.bin"), Vectors.resource("hello_world_int8.tflite.mlshrink")},
      {Vectors.resource("simple_add_model.tflite.bin"), Vectors.resource("simple_add_model.tflite.mlshrink")},
      {Files.readAllBytes(dir.resolve("micro_speech_quantized.tflite.bin")),
          Files.readAllBytes(dir.resolve("micro_speech_quantized.tflite.v1.mlshrink"))},
      {Files.readAllBytes(dir.resolve("sparse-small.bin")), Files.readAllBytes(dir.resolve("sparse-small.v1.mlshrink"))},
      // version 2: the whole file as one shared Brotli stream; the whole file as one LZMA section; INT8_DENSITY; INT8; INT8_ROWS; LZMA
      {Vectors.resource("hello_world_int8.tflite.bin"), Files.readAllBytes(dir.resolve("hello_world_int8.tflite.mlshrink"))},
      {Files.readAllBytes(dir.resolve("trained_lstm.tflite.bin")), Files.readAllBytes(dir.resolve("trained_lstm.tflite.mlshrink"))},
      {Files.readAllBytes(dir.resolve("uneven-rows-small.bin")), Files.readAllBytes(dir.resolve("uneven-rows-small.mlshrink"))},
      {Files.readAllBytes(dir.resolve("int8-section-small.bin")), Files.readAllBytes(dir.resolve("int8-section-small.mlshrink"))},
      {Files.readAllBytes(dir.resolve("int8-rows-small.bin")), Files.readAllBytes(dir.resolve("int8-rows-small.mlshrink"))},
      {Files.readAllBytes(dir.resolve("lzma-small.bin")), Files.readAllBytes(dir.resolve("lzma-small.mlshrink"))},
      {Files.readAllBytes(dir.resolve("brotli-postfix-3-direct.bin")),
          Files.readAllBytes(dir.resolve("brotli-postfix-3-direct.mlshrink"))},
    };
    int[] outcomes = new int[2];
    int[][] perSeed = new int[seeds.length][2];
    assertTimeoutPreemptively(Duration.ofSeconds(90), () -> {
      SplittableRandom rnd = new SplittableRandom(20261127L);
      for (int s = 0; s < seeds.length; s++) {
        byte[][] seed = seeds[s];
        for (int i = 0; i < MUTANTS_PER_SEED; i++) {
          byte[] mutant = mutate(seed[1], rnd);
          try {
            byte[] out = PackedModelDecoder.decode(mutant, MAX_DECODED);
            assertArrayEquals(seed[0], out, "a mutant decoded to different bytes");
            outcomes[0]++;
            perSeed[s][0]++;
          } catch (PackFormatException expected) {
            outcomes[1]++;
            perSeed[s][1]++;
          } catch (RuntimeException | Error e) {
            fail(names[s] + " mutant " + i + " threw " + e, e);
          }
        }
      }
    });
    System.out.println("decoder fuzzing (Java):");
    for (int s = 0; s < seeds.length; s++) {
      System.out.println("  " + names[s] + ": " + perSeed[s][0] + " decoded exactly, " + perSeed[s][1] + " rejected");
    }
    assertTrue(outcomes[0] + outcomes[1] == seeds.length * MUTANTS_PER_SEED);
    assertTrue(outcomes[1] > MUTANTS_PER_SEED, "most mutants should be rejected: " + Arrays.toString(outcomes));
  }

  /** One to four byte flips, bit flips, truncations, insertions or header-field overwrites. */
  static byte[] mutate(byte[] in, SplittableRandom rnd) {
    byte[] b = in.clone();
    int edits = 1 + rnd.nextInt(4);
    for (int k = 0; k < edits; k++) {
      switch (rnd.nextInt(6)) {
        case 0: b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8)); break;
        case 1: b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256); break;
        case 2: b = Arrays.copyOf(b, Math.max(1, rnd.nextInt(b.length + 1))); break;
        case 3: {
          int at = rnd.nextInt(b.length + 1);
          byte[] c = new byte[b.length + 1];
          System.arraycopy(b, 0, c, 0, at);
          c[at] = (byte) rnd.nextInt(256);
          System.arraycopy(b, at, c, at + 1, b.length - at);
          b = c;
          break;
        }
        case 4: { // section table / header: the fields most likely to trip limits
          int at = rnd.nextInt(Math.min(b.length, 80));
          b[at] = (byte) rnd.nextInt(256);
          break;
        }
        default: { // corrupt a payload byte near a section start, where the tables are
          int at = Math.min(b.length - 1, 32 + rnd.nextInt(Math.max(1, Math.min(b.length, 200) - 32)));
          b[at] ^= (byte) (1 + rnd.nextInt(255));
        }
      }
    }
    return b;
  }
}
