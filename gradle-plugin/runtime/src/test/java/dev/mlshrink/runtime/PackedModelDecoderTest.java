package dev.mlshrink.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class PackedModelDecoderTest {
  @TestFactory
  Stream<DynamicTest> decodesEveryEncoderVectorByteExact() throws Exception {
    Path dir = Vectors.generated();
    java.util.List<String> names = Vectors.generatedNames();
    assertTrue(names.size() >= 10, "expected the fixtures and synthetic vectors, got " + names);
    return names.stream().map(name -> DynamicTest.dynamicTest(name, () -> {
      byte[] original = Files.readAllBytes(dir.resolve(name + ".bin"));
      byte[] packed = Files.readAllBytes(dir.resolve(name + ".mlshrink"));
      assertTrue(PackedModelDecoder.isPacked(packed));
      assertEquals(2, packed[8], "the encoder writes format version 2");
      assertArrayEquals(original, PackedModelDecoder.decode(packed));
      // The same input through the version 1 encoder (written for every input but the forced-kind ones).
      Path v1 = dir.resolve(name + ".v1.mlshrink");
      if (Files.exists(v1)) {
        byte[] packedV1 = Files.readAllBytes(v1);
        assertEquals(1, packedV1[8]);
        assertArrayEquals(original, PackedModelDecoder.decode(packedV1));
      }
    }));
  }

  @Test
  void version2FilesHoldASharedStreamAndSectionsOfTheirOwn() throws Exception {
    Path dir = Vectors.generated();
    byte[] original = Files.readAllBytes(dir.resolve("face_detection_short_range.tflite.bin"));
    byte[] packed = Files.readAllBytes(dir.resolve("face_detection_short_range.tflite.mlshrink"));
    // 25 sections: SHARED (primed: entry kind 0x15, the shared stream continues the priming prefix) between
    // two LZMA sections (float buffers, kind 0x07) and eleven BYTES sections.
    assertEquals(25, packed[13]);
    assertEquals(0x15, packed[14]);
    assertArrayEquals(original, PackedModelDecoder.decode(packed));
    byte[] longer = Arrays.copyOf(packed, packed.length + 1);
    assertThrows(PackFormatException.class, () -> PackedModelDecoder.decode(longer));
    byte[] badCrc = packed.clone();
    badCrc[9] ^= 1;
    PackFormatException e = assertThrows(PackFormatException.class, () -> PackedModelDecoder.decode(badCrc));
    assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    e = assertThrows(PackFormatException.class, () -> PackedModelDecoder.decode(packed, original.length - 1));
    assertTrue(e.getMessage().contains("exceeds the limit"), e.getMessage());
  }

  /**
   * A shared stream that decodes to far more than its SHARED sections declare (a Brotli bomb: a few
   * hundred bytes for 64 MiB of zeros) is refused after one byte beyond the declared length, without
   * decoding or allocating the rest.
   */
  @Test
  void refusesASharedStreamLongerThanItsSections() throws Exception {
    Path dir = Vectors.generated();
    byte[] bomb = Files.readAllBytes(dir.resolve("shared-bomb.mlshrink"));
    long before = usedHeap();
    PackFormatException e = assertThrows(PackFormatException.class, () -> PackedModelDecoder.decode(bomb));
    assertTrue(e.getMessage().contains("more than its SHARED sections"), e.getMessage());
    assertTrue(usedHeap() - before < 48L << 20, "decoding the bomb must not allocate its output");
  }

  /**
   * An LZMA section whose chunks decode to 1 MiB for 1000 declared bytes is refused from its chunk
   * headers, before the decoder runs or allocates anything of that size.
   */
  @Test
  void refusesAnLzmaStreamLongerThanItsSection() throws Exception {
    byte[] bomb = Files.readAllBytes(Vectors.generated().resolve("lzma-bomb.mlshrink"));
    long before = usedHeap();
    PackFormatException e = assertThrows(PackFormatException.class, () -> PackedModelDecoder.decode(bomb));
    assertTrue(e.getMessage().contains("chunks decode to more"), e.getMessage());
    assertTrue(usedHeap() - before < 1L << 20, "decoding the bomb must not allocate its output");
  }

  @Test
  void refusesSharedSectionsThatDisagreeOnPriming() throws Exception {
    byte[] mixed = Files.readAllBytes(Vectors.generated().resolve("mixed-priming.mlshrink"));
    PackFormatException e = assertThrows(PackFormatException.class, () -> PackedModelDecoder.decode(mixed));
    assertTrue(e.getMessage().contains("disagree on priming"), e.getMessage());
  }

  private static long usedHeap() {
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }

  @Test
  void decodesTheCommittedVectors() throws Exception {
    for (String name : Vectors.COMMITTED) {
      byte[] original = Vectors.resource(name + ".bin");
      byte[] packed = Vectors.resource(name + ".mlshrink");
      assertTrue(packed.length < original.length);
      assertArrayEquals(original, PackedModelDecoder.decode(packed));
    }
  }

  @Test
  void directBufferIsNativeOrderAndHoldsTheModel() throws Exception {
    byte[] original = Vectors.resource("hello_world_int8.tflite.bin");
    ByteBuffer b = PackedModelDecoder.decodeToDirectBuffer(Vectors.resource("hello_world_int8.tflite.mlshrink"), 1 << 20);
    assertTrue(b.isDirect());
    assertEquals(ByteOrder.nativeOrder(), b.order());
    assertEquals(0, b.position());
    byte[] copy = new byte[b.remaining()];
    b.get(copy);
    assertArrayEquals(original, copy);
  }

  @Test
  void rejectsBadMagicChecksumSizeAndTruncation() throws Exception {
    byte[] original = Vectors.resource("hello_world_int8.tflite.bin");
    byte[] packed = Vectors.resource("hello_world_int8.tflite.mlshrink");
    assertFalse(PackedModelDecoder.isPacked(original));
    assertThrows(PackFormatException.class, () -> PackedModelDecoder.decode(original));

    byte[] badCrc = packed.clone();
    badCrc[24] ^= 1;
    PackFormatException e = assertThrows(PackFormatException.class, () -> PackedModelDecoder.decode(badCrc));
    assertTrue(e.getMessage().contains("checksum"), e.getMessage());

    e = assertThrows(PackFormatException.class, () -> PackedModelDecoder.decode(packed, original.length - 1));
    assertTrue(e.getMessage().contains("exceeds the limit"), e.getMessage());
    assertEquals(original.length, PackedModelDecoder.decode(packed, original.length).length);

    for (int len : new int[] {0, 7, 31, 40, packed.length - 1}) {
      byte[] cut = Arrays.copyOf(packed, len);
      assertThrows(PackFormatException.class, () -> PackedModelDecoder.decode(cut), "length " + len);
    }
    byte[] longer = Arrays.copyOf(packed, packed.length + 1);
    assertThrows(PackFormatException.class, () -> PackedModelDecoder.decode(longer));
  }

  @Test
  void rejectsHugeDeclaredSizeWithoutAllocating() throws Exception {
    byte[] packed = Vectors.resource("simple_add_model.tflite.mlshrink").clone();
    packed[23] = 0x7f; // decoded size ~ 2^63
    PackFormatException e = assertThrows(PackFormatException.class, () -> PackedModelDecoder.decode(packed, Long.MAX_VALUE));
    assertTrue(e.getMessage().contains("exceeds the limit"), e.getMessage());
  }
}
