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
      assertArrayEquals(original, PackedModelDecoder.decode(packed));
    }));
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
