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
  private static final int VERSION_1 = 1;
  private static final int VERSION_2 = 2;
  /** Version 1: fixed 32-byte header. Version 2: magic, version and CRC-32C, then varints. */
  private static final int HEADER_SIZE = 32;
  private static final int V2_FIXED_HEADER = 13;
  private static final int ENTRY_SIZE = 12;
  private static final int KIND_RAW = 0;
  private static final int KIND_BYTES = 1;
  private static final int KIND_INT8 = 2;
  private static final int KIND_DEFLATE = 3;
  private static final int KIND_INT8_DENSITY = 4;
  private static final int KIND_SHARED = 5;
  private static final int KIND_INT8_ROWS = 6;
  private static final int KIND_LZMA = 7;
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
    if (packed.length < MAGIC.length + 1) throw new PackFormatException("truncated header");
    int version = packed[8] & 0xFF;
    Table t;
    if (version == VERSION_2) t = readTableV2(packed, Math.min(maxDecodedSize, MAX_ARRAY));
    else if (version == VERSION_1) t = readTableV1(packed, Math.min(maxDecodedSize, MAX_ARRAY));
    else throw new PackFormatException("unsupported format version " + version);
    byte[] out = new byte[(int) t.decodedSize];
    decodeSections(packed, t, out);
    if (Crc32c.compute(out, 0, out.length) != t.crc) throw new PackFormatException("checksum mismatch: decoded bytes are corrupted");
    return out;
  }

  /** A validated section table: per section kind, contexts, decoded and encoded length. */
  private static final class Table {
    int n;
    int[] kind;
    int[] contexts;
    int[] decoded;
    int[] encoded;
    long decodedSize;
    int crc;
    int sharedStart;
    int sharedEnd;
    int sharedDecoded;
    /** SHARED entries with context count 1: the shared stream continues the priming prefix. */
    boolean sharedPrimed;
    int payloadStart;

    Table(int n) {
      this.n = n;
      kind = new int[n];
      contexts = new int[n];
      decoded = new int[n];
      encoded = new int[n];
    }
  }

  private static Table readTableV1(byte[] packed, long limit) throws PackFormatException {
    if (packed.length < HEADER_SIZE) throw new PackFormatException("truncated header");
    if (packed[9] != 0 || u16(packed, 10) != 0 || u32(packed, 28) != 0) {
      throw new PackFormatException("reserved header fields must be zero");
    }
    long count = u32(packed, 12);
    long size = u32(packed, 16) | u32(packed, 20) << 32;
    if (size < 0 || size > limit) {
      throw new PackFormatException("decoded size " + Long.toUnsignedString(size) + " exceeds the limit of " + limit + " bytes");
    }
    if (count > (packed.length - HEADER_SIZE) / ENTRY_SIZE) throw new PackFormatException("truncated section table");
    Table t = new Table((int) count);
    t.crc = (int) u32(packed, 24);
    t.decodedSize = size;
    t.payloadStart = HEADER_SIZE + ENTRY_SIZE * t.n;
    long decodedSum = 0;
    long encodedSum = 0;
    for (int i = 0; i < t.n; i++) {
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
      t.kind[i] = kind;
      t.contexts[i] = contexts;
      t.decoded[i] = (int) dec;
      t.encoded[i] = (int) enc;
    }
    if (decodedSum != size) throw new PackFormatException("sections decode to less than the declared size");
    if (t.payloadStart + encodedSum != packed.length) {
      throw new PackFormatException(t.payloadStart + encodedSum > packed.length ? "truncated payload" : "trailing bytes after the last section");
    }
    t.sharedStart = t.sharedEnd = t.payloadStart;
    return t;
  }

  /** Version 2: the decoded size is the sum of the section lengths, the shared stream what is left over. */
  private static Table readTableV2(byte[] packed, long limit) throws PackFormatException {
    if (packed.length < V2_FIXED_HEADER) throw new PackFormatException("truncated header");
    int[] pos = {V2_FIXED_HEADER};
    long count = varint(packed, pos, "section count");
    // Every entry takes at least 2 bytes: checked before allocating anything per section.
    if (count > (packed.length - pos[0]) / 2) throw new PackFormatException("truncated section table");
    Table t = new Table((int) count);
    t.crc = (int) u32(packed, 9);
    long decodedSum = 0;
    long encodedSum = 0;
    long sharedSum = 0;
    for (int i = 0; i < t.n; i++) {
      if (pos[0] >= packed.length) throw new PackFormatException("truncated section table");
      int b = packed[pos[0]++] & 0xFF;
      int kind = b & 15;
      int contexts = b >>> 4;
      if (kind > KIND_LZMA) throw new PackFormatException("section " + i + ": unknown kind " + kind);
      if (!contextsAllowed(kind, contexts)) throw new PackFormatException("section " + i + ": invalid context count " + contexts);
      long dec = varint(packed, pos, "section " + i + " decoded length");
      long enc = kind == KIND_RAW ? dec : 0;
      if (kind != KIND_RAW && kind != KIND_SHARED) enc = varint(packed, pos, "section " + i + " encoded length");
      if (dec == 0) throw new PackFormatException("section " + i + ": empty section");
      decodedSum += dec;
      encodedSum += enc;
      if (kind == KIND_SHARED) {
        if (sharedSum > 0 && t.sharedPrimed != (contexts == 1)) {
          throw new PackFormatException("section " + i + ": SHARED sections disagree on priming");
        }
        sharedSum += dec;
        t.sharedPrimed = contexts == 1;
      }
      // Checked as the sum grows, before anything of that size is allocated.
      if (decodedSum > limit) {
        throw new PackFormatException("decoded size " + decodedSum + " exceeds the limit of " + limit + " bytes");
      }
      t.kind[i] = kind;
      t.contexts[i] = contexts;
      t.decoded[i] = (int) dec;
      t.encoded[i] = (int) enc;
    }
    if (pos[0] + encodedSum > packed.length) throw new PackFormatException("truncated payload");
    long sharedEncoded = packed.length - pos[0] - encodedSum;
    if ((sharedEncoded == 0) != (sharedSum == 0)) {
      throw new PackFormatException(sharedSum != 0 ? "truncated payload" : "trailing bytes after the last section");
    }
    t.decodedSize = decodedSum;
    t.sharedStart = pos[0];
    t.sharedEnd = (int) (pos[0] + sharedEncoded);
    t.sharedDecoded = (int) sharedSum;
    t.payloadStart = t.sharedEnd;
    return t;
  }

  /** Unsigned LEB128, at most 5 bytes, below 2^32, shortest form only (docs/format.md "Varints"). */
  private static long varint(byte[] b, int[] pos, String what) throws PackFormatException {
    long v = 0;
    for (int i = 0; i < 5; i++) {
      if (pos[0] >= b.length) throw new PackFormatException("truncated " + what);
      int x = b[pos[0]++] & 0xFF;
      v |= (long) (x & 0x7F) << (7 * i);
      if (x < 0x80) {
        if (x == 0 && i > 0) throw new PackFormatException(what + ": non-minimal varint");
        if (v > 0xFFFFFFFFL) throw new PackFormatException(what + ": varint exceeds 32 bits");
        return v;
      }
    }
    throw new PackFormatException(what + ": varint longer than 5 bytes");
  }

  /** Decodes the (already validated) sections back to back into {@code out}. */
  private static void decodeSections(byte[] packed, Table t, byte[] out) throws PackFormatException {
    int src = t.payloadStart;
    int dst = 0;
    Inflater inflater = null; // one per file: creating one per section costs more than a small section
    SharedStream shared = t.sharedDecoded > 0 ? new SharedStream(packed, t.sharedStart, t.sharedEnd, t.sharedDecoded, t.sharedPrimed) : null;
    try {
      for (int i = 0; i < t.n; i++) {
        int kind = t.kind[i];
        int contexts = t.contexts[i];
        int dec = t.decoded[i];
        int end = src + t.encoded[i];
        if (kind == KIND_RAW) {
          System.arraycopy(packed, src, out, dst, dec);
        } else if (kind == KIND_SHARED) {
          shared.readInto(out, dst, dec);
        } else if (kind == KIND_BYTES) {
          SectionDecoders.decodeBytes(packed, src, end, contexts, out, dst, dec);
        } else if (kind == KIND_INT8 || kind == KIND_INT8_DENSITY) {
          SectionDecoders.decodeInt8(packed, src, end, contexts, out, dst, dec, kind == KIND_INT8_DENSITY);
        } else if (kind == KIND_INT8_ROWS) {
          SectionDecoders.decodeInt8Rows(packed, src, end, contexts, out, dst, dec);
        } else if (kind == KIND_LZMA) {
          LzmaSection.decode(packed, src, end, out, dst, dec);
        } else {
          if (inflater == null) inflater = new Inflater(true);
          SectionDecoders.decodeDeflate(inflater, packed, src, end, out, dst, dec);
        }
        src = end;
        dst += dec;
      }
      if (shared != null) shared.finish();
    } finally {
      if (inflater != null) inflater.end();
      if (shared != null) shared.close();
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
      case KIND_LZMA:
        return contexts == 0;
      case KIND_SHARED: // 1: a primed shared stream
        return contexts == 0 || contexts == 1;
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
