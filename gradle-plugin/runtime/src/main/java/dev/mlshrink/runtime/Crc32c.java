package dev.mlshrink.runtime;

/**
 * CRC-32C (Castagnoli). Uses java.util.zip.CRC32C (a hardware intrinsic on the JVM) where it exists
 * (JDK 9+, Android API 26+), else a slicing-by-8 table version, since the library supports API 21.
 */
final class Crc32c {
  private static final int[][] T = new int[8][256];
  /** java.util.zip.CRC32C's constructor, looked up by name because the library compiles against Java 8. */
  private static final java.lang.reflect.Constructor<?> PLATFORM = platformConstructor();

  private static java.lang.reflect.Constructor<?> platformConstructor() {
    try {
      return Class.forName("java.util.zip.CRC32C").getConstructor();
    } catch (ReflectiveOperationException | LinkageError e) {
      return null;
    }
  }

  static {
    for (int n = 0; n < 256; n++) {
      int c = n;
      for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >>> 1) ^ 0x82F63B78 : c >>> 1;
      T[0][n] = c;
    }
    for (int n = 0; n < 256; n++) {
      for (int k = 1; k < 8; k++) T[k][n] = (T[k - 1][n] >>> 8) ^ T[0][T[k - 1][n] & 0xFF];
    }
  }

  private Crc32c() {}

  static int compute(byte[] data, int off, int len) {
    if (PLATFORM != null) {
      try {
        java.util.zip.Checksum crc = (java.util.zip.Checksum) PLATFORM.newInstance();
        crc.update(data, off, len);
        return (int) crc.getValue();
      } catch (ReflectiveOperationException e) {
        // fall through to the table version
      }
    }
    return tables(data, off, len);
  }

  static int tables(byte[] data, int off, int len) {
    final int[] t0 = T[0], t1 = T[1], t2 = T[2], t3 = T[3], t4 = T[4], t5 = T[5], t6 = T[6], t7 = T[7];
    int crc = 0xFFFFFFFF;
    int i = off;
    final int end = off + len;
    for (; i + 8 <= end; i += 8) {
      crc ^= (data[i] & 0xFF) | (data[i + 1] & 0xFF) << 8 | (data[i + 2] & 0xFF) << 16 | (data[i + 3] & 0xFF) << 24;
      crc = t7[crc & 0xFF] ^ t6[(crc >>> 8) & 0xFF] ^ t5[(crc >>> 16) & 0xFF] ^ t4[crc >>> 24]
          ^ t3[data[i + 4] & 0xFF] ^ t2[data[i + 5] & 0xFF] ^ t1[data[i + 6] & 0xFF] ^ t0[data[i + 7] & 0xFF];
    }
    for (; i < end; i++) crc = t0[(crc ^ data[i]) & 0xFF] ^ (crc >>> 8);
    return ~crc;
  }
}
