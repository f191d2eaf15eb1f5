package dev.mlshrink.runtime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.Inflater;

/**
 * Decodes a packed model ({@code .tflite.mlshrink}, docs/format.md) back to the exact .tflite bytes.
 * No Android dependency. Every malformed, truncated, oversized or corrupted input raises
 * {@link PackFormatException}; all loops are bounded by the declared (and capped) decoded size.
 */
public final class PackedModelDecoder {
  /** Default cap on the decoded size: 512 MiB. */
  public static final long DEFAULT_MAX_DECODED_SIZE = 512L << 20;

  private static final byte[] MAGIC = {(byte) 0x89, 'M', 'L', 'S', 'H', 'R', 'K', '\n'};
  private static final int VERSION = 1;
  private static final int HEADER_SIZE = 32;
  private static final int ENTRY_SIZE = 12;
  private static final int KIND_RAW = 0;
  private static final int KIND_BYTES = 1;
  private static final int KIND_INT8 = 2;
  private static final int KIND_DEFLATE = 3;
  private static final int KIND_INT8_DENSITY = 4;
  /** Largest Java array the decoder will allocate. */
  private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

  private PackedModelDecoder() {}

  /** True when {@code bytes} starts with the packed-model magic. */
  public static boolean isPacked(byte[] bytes) {
    if (bytes.length < MAGIC.length) return false;
    for (int i = 0; i < MAGIC.length; i++) if (bytes[i] != MAGIC[i]) return false;
    return true;
  }

  public static byte[] decode(byte[] packed) throws PackFormatException {
    return decode(packed, DEFAULT_MAX_DECODED_SIZE);
  }

  /** Decodes {@code packed}, refusing files that declare more than {@code maxDecodedSize} bytes. */
  public static byte[] decode(byte[] packed, long maxDecodedSize) throws PackFormatException {
    if (!isPacked(packed)) throw new PackFormatException("not a packed model (bad magic)");
    if (packed.length < HEADER_SIZE) throw new PackFormatException("truncated header");
    if ((packed[8] & 0xFF) != VERSION) throw new PackFormatException("unsupported format version " + (packed[8] & 0xFF));
    if (packed[9] != 0 || u16(packed, 10) != 0 || u32(packed, 28) != 0) {
      throw new PackFormatException("reserved header fields must be zero");
    }
    long count = u32(packed, 12);
    long size = u32(packed, 16) | u32(packed, 20) << 32;
    if (size < 0 || size > Math.min(maxDecodedSize, MAX_ARRAY)) {
      throw new PackFormatException("decoded size " + Long.toUnsignedString(size) + " exceeds the limit of "
          + Math.min(maxDecodedSize, MAX_ARRAY) + " bytes");
    }
    int crc = (int) u32(packed, 24);
    if (count > (packed.length - HEADER_SIZE) / ENTRY_SIZE) throw new PackFormatException("truncated section table");
    int n = (int) count;
    int payloadStart = HEADER_SIZE + ENTRY_SIZE * n;
    long decodedSum = 0;
    long encodedSum = 0;
    for (int i = 0; i < n; i++) {
      int e = HEADER_SIZE + ENTRY_SIZE * i;
      int kind = packed[e] & 0xFF;
      int contexts = packed[e + 1] & 0xFF;
      if (kind > KIND_INT8_DENSITY) throw new PackFormatException("section " + i + ": unknown kind " + kind);
      if (!contextsAllowed(kind, contexts)) throw new PackFormatException("section " + i + ": invalid context count " + contexts);
      if (u16(packed, e + 2) != 0) throw new PackFormatException("section " + i + ": reserved field must be zero");
      long dec = u32(packed, e + 4);
      long enc = u32(packed, e + 8);
      if (dec == 0) throw new PackFormatException("section " + i + ": empty section");
      if (kind == KIND_RAW && enc != dec) throw new PackFormatException("section " + i + ": raw section lengths differ");
      decodedSum += dec;
      encodedSum += enc;
      if (decodedSum > size) throw new PackFormatException("sections decode to more than the declared size");
    }
    if (decodedSum != size) throw new PackFormatException("sections decode to less than the declared size");
    if (payloadStart + encodedSum != packed.length) {
      throw new PackFormatException(payloadStart + encodedSum > packed.length ? "truncated payload" : "trailing bytes after the last section");
    }
    byte[] out = new byte[(int) size];
    decodeSections(packed, n, payloadStart, out);
    if (Crc32c.compute(out, 0, out.length) != crc) throw new PackFormatException("checksum mismatch: decoded bytes are corrupted");
    return out;
  }

  /** Decodes the (already validated) sections back to back into {@code out}. */
  private static void decodeSections(byte[] packed, int n, int payloadStart, byte[] out) throws PackFormatException {
    int src = payloadStart;
    int dst = 0;
    Inflater inflater = null; // one per file: creating one per section costs more than a small section
    try {
      for (int i = 0; i < n; i++) {
        int e = HEADER_SIZE + ENTRY_SIZE * i;
        int kind = packed[e] & 0xFF;
        int contexts = packed[e + 1] & 0xFF;
        int dec = (int) u32(packed, e + 4);
        int end = src + (int) u32(packed, e + 8);
        if (kind == KIND_RAW) {
          System.arraycopy(packed, src, out, dst, dec);
        } else if (kind == KIND_BYTES) {
          SectionDecoders.decodeBytes(packed, src, end, contexts, out, dst, dec);
        } else if (kind == KIND_INT8 || kind == KIND_INT8_DENSITY) {
          SectionDecoders.decodeInt8(packed, src, end, contexts, out, dst, dec, kind == KIND_INT8_DENSITY);
        } else {
          if (inflater == null) inflater = new Inflater(true);
          SectionDecoders.decodeDeflate(inflater, packed, src, end, out, dst, dec);
        }
        src = end;
        dst += dec;
      }
    } finally {
      if (inflater != null) inflater.end();
    }
  }

  /** Decodes into a direct buffer in native byte order, as the LiteRT Interpreter wants it. */
  public static ByteBuffer decodeToDirectBuffer(byte[] packed, long maxDecodedSize) throws PackFormatException {
    byte[] model = decode(packed, maxDecodedSize);
    ByteBuffer buffer = ByteBuffer.allocateDirect(model.length).order(ByteOrder.nativeOrder());
    buffer.put(model);
    buffer.rewind();
    return buffer;
  }

  private static boolean contextsAllowed(int kind, int contexts) {
    switch (kind) {
      case KIND_RAW:
      case KIND_DEFLATE:
        return contexts == 0;
      case KIND_BYTES:
        return contexts == 1 || contexts == 2 || contexts == 4;
      default:
        return contexts >= 1 && contexts <= 8;
    }
  }

  private static int u16(byte[] b, int i) {
    return (b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8;
  }

  private static long u32(byte[] b, int i) {
    return ((b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8 | (b[i + 2] & 0xFF) << 16 | (long) (b[i + 3] & 0xFF) << 24);
  }
}
