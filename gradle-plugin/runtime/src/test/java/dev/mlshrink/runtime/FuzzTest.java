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
    byte[][][] seeds = {
      {Vectors.resource("hello_world_int8.tflite.bin"), Vectors.resource("hello_world_int8.tflite.mlshrink")},
      {Vectors.resource("simple_add_model.tflite.bin"), Vectors.resource("simple_add_model.tflite.mlshrink")},
      {Files.readAllBytes(dir.resolve("micro_speech_quantized.tflite.bin")),
          Files.readAllBytes(dir.resolve("micro_speech_quantized.tflite.mlshrink"))},
      // coded as an int8 section
      {Files.readAllBytes(dir.resolve("sparse-small.bin")), Files.readAllBytes(dir.resolve("sparse-small.mlshrink"))},
      // one int8-density section
      {Files.readAllBytes(dir.resolve("uneven-rows-small.bin")), Files.readAllBytes(dir.resolve("uneven-rows-small.mlshrink"))},
    };
    int[] outcomes = new int[2];
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      SplittableRandom rnd = new SplittableRandom(20261127L);
      for (byte[][] seed : seeds) {
        for (int i = 0; i < MUTANTS_PER_SEED; i++) {
          byte[] mutant = mutate(seed[1], rnd);
          try {
            byte[] out = PackedModelDecoder.decode(mutant, MAX_DECODED);
            assertArrayEquals(seed[0], out, "a mutant decoded to different bytes");
            outcomes[0]++;
          } catch (PackFormatException expected) {
            outcomes[1]++;
          } catch (RuntimeException | Error e) {
            fail("mutant " + i + " threw " + e, e);
          }
        }
      }
    });
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
