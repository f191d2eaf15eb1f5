package dev.mlshrink.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Crc32cTest {
  @Test
  void matchesTheStandardCheckValue() {
    // The CRC-32C check value of "123456789" (RFC 3720, iSCSI).
    byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
    assertEquals(0xE3069283, Crc32c.tables(check, 0, check.length));
    assertEquals(0xE3069283, Crc32c.compute(check, 0, check.length));
  }

  @Test
  void tableVersionAgreesWithThePlatformOnRandomSlices() {
    SplittableRandom rnd = new SplittableRandom(5);
    byte[] data = new byte[10_000];
    for (int i = 0; i < data.length; i++) data[i] = (byte) rnd.nextInt(256);
    for (int k = 0; k < 200; k++) {
      int off = rnd.nextInt(data.length);
      int len = rnd.nextInt(data.length - off + 1);
      java.util.zip.CRC32C platform = new java.util.zip.CRC32C();
      platform.update(data, off, len);
      assertEquals(platform.getValue(), Crc32c.tables(data, off, len) & 0xFFFFFFFFL);
      assertEquals(platform.getValue(), Crc32c.compute(data, off, len) & 0xFFFFFFFFL);
    }
  }
}
