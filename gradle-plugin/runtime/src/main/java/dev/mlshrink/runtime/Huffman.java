package dev.mlshrink.runtime;

import java.util.Arrays;

/** Canonical Huffman tables: reading code lengths, validating them, and building two-level lookup tables. */
final class Huffman {
  static final int MAX_CODE_LENGTH = 15;
  /**
   * First-level lookup bits. 9 rather than 11: an INT8_DENSITY section has up to 32 tables, and 2 KiB first
   * levels stay in the L1 cache where 8 KiB ones do not (sample CNN decode ~5-15 % faster on the JVM).
   */
  static final int LOOKUP_BITS = 9;
  private static final int MIN_REPEAT = 3;

  private Huffman() {}

  /** Reads {@code n} delta-coded code lengths (docs/format.md "Canonical Huffman tables") and validates them. */
  static int[] readLengths(BitReader br, int n) throws PackFormatException {
    int[] lengths = new int[n];
    // The reader's state in locals, and each item (at most 3 + 7 bits) decoded from one look at the buffer:
    // a table of 256 to 303 lengths is read per context, for every section.
    final byte[] data = br.data;
    final int end = br.end;
    int pos = br.pos;
    long buf = br.buf;
    int count = br.count;
    int prev = 0;
    int i = 0;
    while (i < n) {
      if (count < 10) {
        while (count <= 55) {
          buf |= (long) (pos < end ? data[pos] & 0xFF : 0) << count;
          pos++;
          count += 8;
        }
      }
      int b = (int) buf;
      int used;
      if ((b & 1) == 0) { // 0: the previous length again
        lengths[i++] = prev;
        used = 1;
      } else if ((b & 2) == 0) { // 10s: the previous length + 1 (s = 0) or - 1
        prev += (b & 4) == 0 ? 1 : -1;
        if (prev < 0 || prev > MAX_CODE_LENGTH) throw new PackFormatException("code length out of range");
        lengths[i++] = prev;
        used = 3;
      } else if ((b & 4) == 0) { // 110 + 4 bits: a length
        prev = (b >>> 3) & 15;
        lengths[i++] = prev;
        used = 7;
      } else { // 111 + 7 bits: the previous length 3 + r times
        int run = ((b >>> 3) & 127) + MIN_REPEAT;
        if (i + run > n) throw new PackFormatException("code length repeat runs past the alphabet");
        Arrays.fill(lengths, i, i + run, prev);
        i += run;
        used = 10;
      }
      buf >>>= used;
      count -= used;
    }
    br.pos = pos;
    br.buf = buf;
    br.count = count;
    validate(lengths);
    return lengths;
  }

  /** Accepts an empty table, a single 1-bit code, or a complete prefix code (Kraft equality). */
  static void validate(int[] lengths) throws PackFormatException {
    int kraft = 0;
    int used = 0;
    for (int l : lengths) {
      if (l == 0) continue;
      kraft += 1 << (MAX_CODE_LENGTH - l);
      used++;
    }
    if (used == 0) return;
    if (used == 1 && kraft == 1 << (MAX_CODE_LENGTH - 1)) return;
    if (kraft != 1 << MAX_CODE_LENGTH) {
      throw new PackFormatException(kraft > 1 << MAX_CODE_LENGTH ? "over-subscribed Huffman table" : "incomplete Huffman table");
    }
  }

  /** Bit-reversed canonical codes (the stream is LSB-first, codes are sent most significant bit first). */
  static int[] reversedCodes(int[] lengths) {
    int[] blCount = new int[MAX_CODE_LENGTH + 1];
    for (int l : lengths) if (l != 0) blCount[l]++;
    int[] next = new int[MAX_CODE_LENGTH + 1];
    int code = 0;
    for (int len = 1; len <= MAX_CODE_LENGTH; len++) {
      code = (code + blCount[len - 1]) << 1;
      next[len] = code;
    }
    int[] codes = new int[lengths.length];
    for (int s = 0; s < lengths.length; s++) {
      int l = lengths[s];
      if (l != 0) codes[s] = Integer.reverse(next[l]++) >>> (32 - l);
    }
    return codes;
  }

  /**
   * Lookup tables for several Huffman tables in one array. Table c's first level is at c << LOOKUP_BITS.
   * Entry (symbol << 5) | length: a code; (offset << 5) | 16 | bits: second level at offset indexed by
   * the next bits; 0: no code starts with these bits. The array ends with one spare 0 entry.
   */
  static int[] buildDecoder(int[][] tables) {
    int main = tables.length << LOOKUP_BITS;
    int mask = (1 << LOOKUP_BITS) - 1;
    int[][] codesOf = new int[tables.length][];
    int[][] subBits = new int[tables.length][];
    int total = main;
    for (int c = 0; c < tables.length; c++) {
      int[] lengths = tables[c];
      int[] codes = reversedCodes(lengths);
      codesOf[c] = codes;
      int[] bits = new int[1 << LOOKUP_BITS];
      for (int s = 0; s < lengths.length; s++) {
        int l = lengths[s];
        if (l > LOOKUP_BITS) bits[codes[s] & mask] = Math.max(bits[codes[s] & mask], l - LOOKUP_BITS);
      }
      for (int b : bits) if (b > 0) total += 1 << b;
      subBits[c] = bits;
    }
    int[] out = new int[total + 1]; // a last 0 entry, for decoders that route "no code" through a pointer
    int next = main;
    for (int c = 0; c < tables.length; c++) {
      int base = c << LOOKUP_BITS;
      int[] lengths = tables[c];
      int[] codes = codesOf[c];
      int[] bits = subBits[c];
      int[] subStart = new int[1 << LOOKUP_BITS];
      for (int p = 0; p < bits.length; p++) {
        if (bits[p] == 0) continue;
        subStart[p] = next;
        out[base + p] = (next << 5) | 16 | bits[p];
        next += 1 << bits[p];
      }
      for (int s = 0; s < lengths.length; s++) {
        int l = lengths[s];
        if (l == 0) continue;
        if (l <= LOOKUP_BITS) {
          for (int r = codes[s]; r < 1 << LOOKUP_BITS; r += 1 << l) out[base + r] = (s << 5) | l;
        } else {
          int p = codes[s] & mask;
          for (int r = codes[s] >>> LOOKUP_BITS; r < 1 << bits[p]; r += 1 << (l - LOOKUP_BITS)) {
            out[subStart[p] + r] = (s << 5) | l;
          }
        }
      }
    }
    return out;
  }
}
