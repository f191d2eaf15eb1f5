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
 * Corrupts the coded tokens deep inside large sections, where the decoders run their unchecked multi-token
 * loops (FuzzTest mostly hits headers and code tables of small files): every mutant must decode to the
 * original bytes or fail with PackFormatException, never with an out-of-bounds index or a hang.
 */
class HotLoopFuzzTest {
  private static final int HEADER_AND_TABLE_BYTES = 32 + 12;

  @Test
  void corruptedTokensInLargeSectionsFailCleanly() throws Exception {
    Path dir = Vectors.generated();
    // Packed file suffix, mutants: an INT8_DENSITY section (v2); INT8_ROWS sections (v2), the second decoded two
    // tokens per lookup; a BYTES section (v1) and the same bytes as
    // one shared Brotli stream (v2); INT8 K=8 sections among BYTES ones (v1) and BYTES sections between
    // SHARED ones (v2).
    Object[][] seeds = {
      {"uneven-rows-large", ".mlshrink", 600},
      {"int8-rows-large", ".mlshrink", 400},
      {"int8-rows-pairs", ".mlshrink", 300},
      {"laplacian-sparse", ".v1.mlshrink", 300},
      {"laplacian-sparse", ".mlshrink", 200},
      {"hand_landmark_lite.tflite", ".v1.mlshrink", 40},
      {"hand_landmark_lite.tflite", ".mlshrink", 40},
    };
    int[] outcomes = new int[2];
    assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
      SplittableRandom rnd = new SplittableRandom(6_300_000L);
      for (Object[] seed : seeds) {
        byte[] original = Files.readAllBytes(dir.resolve(seed[0] + ".bin"));
        byte[] packed = Files.readAllBytes(dir.resolve(seed[0] + (String) seed[1]));
        for (int i = 0; i < (Integer) seed[2]; i++) {
          byte[] mutant = mutatePayload(packed, rnd);
          try {
            assertArrayEquals(original, PackedModelDecoder.decode(mutant), "a mutant decoded to different bytes");
            outcomes[0]++;
          } catch (PackFormatException expected) {
            outcomes[1]++;
          } catch (RuntimeException | Error e) {
            fail(seed[0] + (String) seed[1] + " mutant " + i + " threw " + e, e);
          }
        }
      }
    });
    assertTrue(outcomes[1] > 1000, "most mutants should be rejected: " + Arrays.toString(outcomes));
  }

  /** One to three bit flips, byte overwrites or end truncations past the header and the first section start. */
  private static byte[] mutatePayload(byte[] in, SplittableRandom rnd) {
    byte[] b = in.clone();
    int from = Math.min(in.length - 1, HEADER_AND_TABLE_BYTES + 2048);
    int edits = 1 + rnd.nextInt(3);
    for (int k = 0; k < edits; k++) {
      int at = from + rnd.nextInt(b.length - from);
      switch (rnd.nextInt(3)) {
        case 0: b[at] ^= (byte) (1 << rnd.nextInt(8)); break;
        case 1: b[at] = (byte) rnd.nextInt(256); break;
        default: b = Arrays.copyOf(b, Math.max(from, b.length - 1 - rnd.nextInt(16)));
      }
    }
    return b;
  }
}
