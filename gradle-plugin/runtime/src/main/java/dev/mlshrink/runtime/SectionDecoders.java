package dev.mlshrink.runtime;

/** Decoders for the Huffman-coded section kinds (docs/format.md "BYTES sections", "INT8 sections"). */
final class SectionDecoders {
  static final int INT8_ALPHABET = 303;
  private static final int RUN_BASE = 255;
  private static final int DIRECT_RUNS = 16;
  private static final int ESCAPE_BASE = RUN_BASE + DIRECT_RUNS;
  private static final int LOOKUP_BITS = Huffman.LOOKUP_BITS;
  private static final int MASK = (1 << LOOKUP_BITS) - 1;
  private static final byte[] LITERAL_BYTES = new byte[RUN_BASE];

  static {
    for (int s = 0; s < RUN_BASE; s++) LITERAL_BYTES[s] = (byte) literalValue(s);
  }

  private SectionDecoders() {}

  private static int literalValue(int s) {
    if (s == 254) return -128;
    return (s & 1) != 0 ? -((s + 1) >> 1) : (s >> 1) + 1;
  }

  static void decodeBytes(byte[] in, int start, int end, int contexts, byte[] out, int outStart, int outLength)
      throws PackFormatException {
    BitReader br = new BitReader(in, start, end);
    int[][] lengths = new int[contexts][];
    for (int c = 0; c < contexts; c++) lengths[c] = Huffman.readLengths(br, 256);
    int[] table = Huffman.buildDecoder(lengths);
    // No code starts with these bits: point to the table's last slot, a second level of one empty entry,
    // so that the hot loop needs one test per code instead of two.
    for (int k = 0; k < contexts << LOOKUP_BITS; k++) if (table[k] == 0) table[k] = ((table.length - 1) << 5) | 16;
    decodeByteCodes(br, contexts, table, out, outStart, outLength);
  }

  /** The code loop of decodeBytes, compiled apart from the table setup (see decodeTokens). */
  private static void decodeByteCodes(BitReader br, int contexts, int[] fast, byte[] out, int outStart, int outLength)
      throws PackFormatException {
    final byte[] in = br.data;
    final int start = br.start;
    final int end = br.end;
    final int ctxMask = contexts - 1; // contexts is 1, 2 or 4
    final java.nio.ByteBuffer words = java.nio.ByteBuffer.wrap(in).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    final int wordEnd = end - 8;
    int pos = br.pos;
    long buf = br.buf;
    int count = br.count;
    int i = 0; // bytes decoded; byte i is coded with table i & ctxMask
    // Four codes per 64-bit refill (56 bits guaranteed): first-level codes have at most LOOKUP_BITS, and a
    // long code is only taken with MAX_CODE_LENGTH bits in hand. The four are written out: the JIT compiles
    // that ~30 % faster than an inner loop (fixtures with BYTES sections, A/B in one JVM).
    final int hotEnd = outLength - 4;
    while (i <= hotEnd && pos <= wordEnd) {
      buf |= words.getLong(pos) << count;
      pos += (63 - count) >>> 3;
      count |= 56;
      int e;
      e = fast[((i & ctxMask) << LOOKUP_BITS) | ((int) buf & MASK)];
      if ((e & 16) != 0) {
        if (count < Huffman.MAX_CODE_LENGTH) continue; // refill first
        e = fast[(e >>> 5) + ((int) (buf >>> LOOKUP_BITS) & ((1 << (e & 15)) - 1))];
        if (e == 0) throw new PackFormatException("invalid Huffman code");
      }
      buf >>>= e & 15;
      count -= e & 15;
      out[outStart + i++] = (byte) (e >>> 5);
      e = fast[((i & ctxMask) << LOOKUP_BITS) | ((int) buf & MASK)];
      if ((e & 16) != 0) {
        if (count < Huffman.MAX_CODE_LENGTH) continue; // refill first
        e = fast[(e >>> 5) + ((int) (buf >>> LOOKUP_BITS) & ((1 << (e & 15)) - 1))];
        if (e == 0) throw new PackFormatException("invalid Huffman code");
      }
      buf >>>= e & 15;
      count -= e & 15;
      out[outStart + i++] = (byte) (e >>> 5);
      e = fast[((i & ctxMask) << LOOKUP_BITS) | ((int) buf & MASK)];
      if ((e & 16) != 0) {
        if (count < Huffman.MAX_CODE_LENGTH) continue; // refill first
        e = fast[(e >>> 5) + ((int) (buf >>> LOOKUP_BITS) & ((1 << (e & 15)) - 1))];
        if (e == 0) throw new PackFormatException("invalid Huffman code");
      }
      buf >>>= e & 15;
      count -= e & 15;
      out[outStart + i++] = (byte) (e >>> 5);
      e = fast[((i & ctxMask) << LOOKUP_BITS) | ((int) buf & MASK)];
      if ((e & 16) != 0) {
        if (count < Huffman.MAX_CODE_LENGTH) continue; // refill first
        e = fast[(e >>> 5) + ((int) (buf >>> LOOKUP_BITS) & ((1 << (e & 15)) - 1))];
        if (e == 0) throw new PackFormatException("invalid Huffman code");
      }
      buf >>>= e & 15;
      count -= e & 15;
      out[outStart + i++] = (byte) (e >>> 5);
    }
    for (; i < outLength; i++) {
      if (pos <= wordEnd) {
        buf |= words.getLong(pos) << count;
        pos += (63 - count) >>> 3;
        count |= 56;
      } else if (count < 15) {
        while (count <= 55) { // 56..63 bits: a later word refill must not shift by 64
          buf |= (long) (pos < end ? in[pos] & 0xFF : 0) << count;
          pos++;
          count += 8;
        }
      }
      int e = fast[((i & ctxMask) << LOOKUP_BITS) | ((int) buf & MASK)];
      if ((e & 16) != 0) e = fast[(e >>> 5) + ((int) (buf >>> LOOKUP_BITS) & ((1 << (e & 15)) - 1))];
      if (e == 0) throw new PackFormatException("invalid Huffman code");
      int l = e & 15;
      buf >>>= l;
      count -= l;
      out[outStart + i] = (byte) (e >>> 5);
    }
    BitReader.finish(pos, buf, count, start, end);
  }

  /**
   * Zero-density state for INT8_DENSITY sections: z in 0..4096, an integer moving average of zero output
   * bytes (weight 1/64); DENSITY_DECAY[L] = 65536 * (63/64)^L by an exact integer recurrence.
   */
  private static final int DENSITY_LEVELS = 4;
  private static final int DENSITY_MAX_RUN = 256;
  private static final int[] DENSITY_DECAY = new int[DENSITY_MAX_RUN + 1];

  static {
    DENSITY_DECAY[0] = 65536;
    for (int l = 1; l <= DENSITY_MAX_RUN; l++) DENSITY_DECAY[l] = (DENSITY_DECAY[l - 1] * 63) >> 6;
  }

  /**
   * {@code density}: an INT8_DENSITY section (4K tables, chosen by density class and previous token).
   * The output range must be all zero on entry (a fresh array is): zero runs are skipped over, not written.
   */
  static void decodeInt8(byte[] in, int start, int end, int contexts, byte[] out, int outStart, int outLength,
      boolean density) throws PackFormatException {
    BitReader br = new BitReader(in, start, end);
    decodeInt8Tables(br, contexts, (density ? DENSITY_LEVELS : 1) * contexts, density, NO_ROWS, 0, out, outStart,
        outLength);
  }

  /** INT8_ROWS: at most 16 row groups and 32 tables (the token entries hold a 5-bit table index). */
  private static final int MAX_ROW_GROUPS = 16;
  private static final int MAX_ROW_TABLES = 32;
  private static final int[] NO_ROWS = new int[0];

  /**
   * An INT8_ROWS section: INT8 tokens whose tables are chosen by the row group of the output row each token
   * starts in (times the previous-token context). The output range must be all zero on entry.
   */
  static void decodeInt8Rows(byte[] in, int start, int end, int contexts, byte[] out, int outStart, int outLength)
      throws PackFormatException {
    BitReader br = new BitReader(in, start, end);
    int rowLength = br.read(24);
    if (rowLength == 0 || outLength % rowLength != 0) {
      throw new PackFormatException("int8 rows section: row length does not divide the section");
    }
    int groups = br.read(4) + 1;
    if (groups * contexts > MAX_ROW_TABLES) throw new PackFormatException("int8 rows section: more than 32 tables");
    int rows = outLength / rowLength;
    int idBits = 32 - Integer.numberOfLeadingZeros(groups - 1); // ceil(log2 groups)
    // Checked before allocating one entry per row: the ids must fit in the payload.
    if ((long) rows * idBits > (long) (end - start) * 8) {
      throw new PackFormatException("int8 rows section: group ids run past the section end");
    }
    int[] rowBase = new int[idBits > 0 ? rows : 1]; // per row, its group's first table << LOOKUP_BITS
    for (int r = 0; r < rowBase.length; r++) {
      int g = br.read(idBits);
      if (g >= groups) throw new PackFormatException("int8 rows section: group id out of range");
      rowBase[r] = g * contexts << LOOKUP_BITS;
    }
    decodeInt8Tables(br, contexts, groups * contexts, false, rowBase, idBits > 0 ? rowLength : 0, out, outStart,
        outLength);
  }

  /** The shared rest of the int8 decoders: thresholds, {@code tables} code tables, then the token loop. */
  private static void decodeInt8Tables(BitReader br, int contexts, int tables, boolean density, int[] rowBase,
      int rowLength, byte[] out, int outStart, int outLength) throws PackFormatException {
    int[] t = new int[Math.max(0, contexts - 2)];
    for (int k = 0; k < t.length; k++) {
      t[k] = br.read(8);
      if (t[k] < 1 || t[k] > 128 || (k > 0 && t[k] < t[k - 1])) {
        throw new PackFormatException("int8 section: context thresholds out of order");
      }
    }
    // The previous-token context that follows each symbol (zero runs lead to context 0).
    final int[] nextCtx = new int[INT8_ALPHABET];
    if (contexts > 1) {
      for (int s = 0; s < RUN_BASE; s++) {
        int a = Math.abs(literalValue(s));
        int k = 0;
        while (k < t.length && a > t[k]) k++;
        nextCtx[s] = k + 1;
      }
    }
    int[][] lengths = new int[tables][];
    for (int c = 0; c < tables; c++) lengths[c] = Huffman.readLengths(br, INT8_ALPHABET);
    int[] table = tokenTable(lengths, contexts, nextCtx);
    long[] pairs = density || !pairsPay(lengths, contexts, nextCtx) ? null : pairTable(table, tables);
    if (pairs != null) decodeTokenPairs(br, pairs, out, outStart, outLength, rowBase, rowLength);
    else decodeTokens(br, contexts, density, table, out, outStart, outLength, rowBase, rowLength);
  }

  /**
   * The token loop of decodeInt8, in a method of its own: compiled apart from the table setup, whose rarely
   * taken branches would otherwise recompile (and re-lay out) the hot loop again and again.
   */
  private static void decodeTokens(BitReader br, int contexts, boolean density, int[] hot, byte[] out, int outStart,
      int outLength, int[] rowBase, int rowLength) throws PackFormatException {
    final byte[] in = br.data;
    final int start = br.start;
    final int end = br.end;
    final java.nio.ByteBuffer words = java.nio.ByteBuffer.wrap(in).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    final int wordEnd = end - 8; // last position a whole 64-bit word can be read from
    int pos = br.pos;
    long buf = br.buf;
    int count = br.count;
    int o = outStart;
    final int outEnd = outStart + outLength;
    // Hot tokens advance by at most 16 bytes each: below this, one refill's worth cannot pass the section end.
    final int hotEnd = outEnd - HOT_TOKENS * DIRECT_RUNS;
    // The next token's table (density class or row group, and previous-token context) << LOOKUP_BITS.
    int tableBase = rowBase.length > 0 ? rowBase[0] : 0;
    // INT8_ROWS: the current row's group base, and where the row ends (rowLength 0: never).
    int groupBase = tableBase;
    int rowEnd = rowLength > 0 ? outStart + rowLength : Integer.MAX_VALUE;
    // Zero density as w = 4096 - z (INT8_DENSITY only): the update is then one multiply for runs and values.
    int w = 4096;
    // The current density class and the w range that keeps it. w changes every token but its class rarely
    // does: a predictable range check keeps the w arithmetic off the path from one token's table lookup to
    // the next.
    int zClass = 0;
    int wLo = density ? W_LO[0] : Integer.MIN_VALUE;
    int wHi = density ? W_HI[0] : Integer.MAX_VALUE;
    // Byte-wise refills in this loop stop at 56..63 bits, never 64: a later word refill shifts by count, and
    // a long shift by 64 is a shift by 0.
    while (o < outEnd) {
      // HOT_TOKENS tokens (values and direct runs) per 64-bit refill.
      hot:
      while (o < hotEnd && pos <= wordEnd) {
        buf |= words.getLong(pos) << count;
        pos += (63 - count) >>> 3;
        count |= 56;
        for (int k = 0; k < HOT_TOKENS; k++) {
          int e = hot[tableBase + ((int) buf & MASK)];
          if ((e & H_SLOW) != 0) {
            if ((e & H_LONG) == 0) break hot;
            if (count < Huffman.MAX_CODE_LENGTH) continue hot; // refill first
            e = hot[(e >>> H_OFFSET) + ((int) (buf >>> LOOKUP_BITS) & ((1 << (e & 15)) - 1))];
            if ((e & H_SLOW) != 0) break hot;
            k = HOT_TOKENS; // the next lookup may lack bits after a long code: refill first
          }
          int l = e & 15;
          buf >>>= l;
          count -= l;
          out[o] = (byte) (e >>> H_BYTE);
          o += e >>> H_ADVANCE;
          tableBase = e & H_TABLE;
          if (density) {
            int zc = (e >>> H_ZCODE) & 31;
            w = (w * Z_MUL[zc] + Z_ADD[zc]) >> 16;
            if (w < wLo || w > wHi) {
              int c = densityClass(w);
              wLo = W_LO[c];
              wHi = W_HI[c];
              tableBase += (c - zClass) * contexts << LOOKUP_BITS; // same context, new class
              zClass = c;
            }
          }
          if (o >= rowEnd && o < outEnd) { // a new row: same context, its group's tables
            int r = (o - outStart) / rowLength; // a division per row, not per token: runs may skip rows
            tableBase += rowBase[r] - groupBase;
            groupBase = rowBase[r];
            rowEnd = outStart + (r + 1) * rowLength;
          }
        }
      }
      if (o >= outEnd) break;
      // One token: the section tail, escape runs, invalid codes.
      if (pos <= wordEnd) {
        // Branch-free refill to 56..63 bits: the bytes past the new pos that land above count are the same
        // bits the next refill ORs in again, so they are harmless.
        buf |= words.getLong(pos) << count;
        pos += (63 - count) >>> 3;
        count |= 56;
      } else {
        while (count <= 55) {
          buf |= (long) (pos < end ? in[pos] & 0xFF : 0) << count;
          pos++;
          count += 8;
        }
      }
      int e = hot[tableBase + ((int) buf & MASK)];
      if ((e & H_LONG) != 0) e = hot[(e >>> H_OFFSET) + ((int) (buf >>> LOOKUP_BITS) & ((1 << (e & 15)) - 1))];
      int l = e & 15;
      if (l == 0) throw new PackFormatException("invalid Huffman code");
      buf >>>= l;
      count -= l;
      tableBase = e & H_TABLE;
      long len;
      if ((e & H_SLOW) == 0) {
        len = e >>> H_ADVANCE;
        out[o] = (byte) (e >>> H_BYTE); // 0 for runs, which the output already holds
      } else { // an escape run
        int ex = (e >>> H_EXTRA) & 31;
        // count ≥ 56 - 15 here, so at most 31 extra bits may need one more (byte-wise) refill.
        if (count < ex) {
          while (count <= 55) {
            buf |= (long) (pos < end ? in[pos] & 0xFF : 0) << count;
            pos++;
            count += 8;
          }
        }
        long x = buf & ((1L << ex) - 1);
        buf >>>= ex;
        count -= ex;
        len = DIRECT_RUNS + (1L << ex) + x;
      }
      if (len > outEnd - o) throw new PackFormatException("int8 section: zero run past the section end");
      o += (int) len;
      if (density) {
        int zc = (e >>> H_ZCODE) & 31;
        w = zc == Z_VALUE
            ? (w * Z_MUL[zc] + Z_ADD[zc]) >> 16
            : (w * DENSITY_DECAY[(int) Math.min(len, DENSITY_MAX_RUN)]) >> 16;
        if (w < wLo || w > wHi) {
          int c = densityClass(w);
          wLo = W_LO[c];
          wHi = W_HI[c];
          tableBase += (c - zClass) * contexts << LOOKUP_BITS;
          zClass = c;
        }
      }
      if (o >= rowEnd && o < outEnd) {
        int r = (o - outStart) / rowLength;
        tableBase += rowBase[r] - groupBase;
        groupBase = rowBase[r];
        rowEnd = outStart + (r + 1) * rowLength;
      }
    }
    BitReader.finish(pos, buf, count, start, end);
  }

  /**
   * decodeTokens for INT8 and INT8_ROWS sections whose codes are short enough that most lookups resolve two
   * tokens (see pairTable): one lookup per value or direct run and, where its code leaves room, the token
   * after it. A loop of its own: a slot without a second token costs more here than in decodeTokens.
   */
  private static void decodeTokenPairs(BitReader br, long[] hot, byte[] out, int outStart, int outLength,
      int[] rowBase, int rowLength) throws PackFormatException {
    final byte[] in = br.data;
    final int start = br.start;
    final int end = br.end;
    final java.nio.ByteBuffer words = java.nio.ByteBuffer.wrap(in).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    final int wordEnd = end - 8; // last position a whole 64-bit word can be read from
    int pos = br.pos;
    long buf = br.buf;
    int count = br.count;
    int o = outStart;
    final int outEnd = outStart + outLength;
    // Hot steps advance by at most two tokens of 16 bytes each: below this, one refill's worth cannot pass
    // the section end.
    final int hotEnd = outEnd - HOT_TOKENS * 2 * DIRECT_RUNS;
    // The next token's table (row group and previous-token context) << LOOKUP_BITS.
    int tableBase = rowBase.length > 0 ? rowBase[0] : 0;
    // INT8_ROWS: the current row's group base, and where the row ends (rowLength 0: never).
    int groupBase = tableBase;
    int rowEnd = rowLength > 0 ? outStart + rowLength : Integer.MAX_VALUE;
    // Byte-wise refills in this loop stop at 56..63 bits, never 64: a later word refill shifts by count, and
    // a long shift by 64 is a shift by 0.
    while (o < outEnd) {
      // HOT_TOKENS tokens (values and direct runs) per 64-bit refill.
      hot:
      while (o < hotEnd && pos <= wordEnd) {
        buf |= words.getLong(pos) << count;
        pos += (63 - count) >>> 3;
        count |= 56;
        for (int k = 0; k < HOT_TOKENS; k++) {
          // The token's entry (low word) and the pair word (high word).
          long x = hot[tableBase + ((int) buf & MASK)];
          if (((int) x & H_SLOW) != 0) {
            int e = (int) x;
            if ((e & H_LONG) == 0) break hot;
            if (count < Huffman.MAX_CODE_LENGTH) continue hot; // refill first
            x = hot[(e >>> H_OFFSET) + ((int) (buf >>> LOOKUP_BITS) & ((1 << (e & 15)) - 1))];
            if (((int) x & H_SLOW) != 0) break hot;
            k = HOT_TOKENS; // the next lookup may lack bits after a long code: refill first
          }
          int e = (int) x;
          int p = (int) (x >>> 32);
          int o1 = o + (e >>> H_ADVANCE); // where the second token starts
          if (o1 >= rowEnd) p = alone(e); // it was looked up in the first one's row group
          // No branch on whether there is a second token (that varies unpredictably): without one, the pair
          // word describes the first alone and writes a 0 at o1, which the next token overwrites.
          out[o] = (byte) (e >>> H_BYTE);
          out[o1] = (byte) (p >>> H_BYTE);
          o += p >>> P_ADVANCE;
          int l = p & 15;
          buf >>>= l;
          count -= l;
          tableBase = p & H_TABLE;
          if (o >= rowEnd && o < outEnd) { // a new row: same context, its group's tables
            int r = (o - outStart) / rowLength; // a division per row, not per token: runs may skip rows
            tableBase += rowBase[r] - groupBase;
            groupBase = rowBase[r];
            rowEnd = outStart + (r + 1) * rowLength;
          }
        }
      }
      if (o >= outEnd) break;
      // One token: the section tail, escape runs, invalid codes.
      if (pos <= wordEnd) {
        // Branch-free refill to 56..63 bits: the bytes past the new pos that land above count are the same
        // bits the next refill ORs in again, so they are harmless.
        buf |= words.getLong(pos) << count;
        pos += (63 - count) >>> 3;
        count |= 56;
      } else {
        while (count <= 55) {
          buf |= (long) (pos < end ? in[pos] & 0xFF : 0) << count;
          pos++;
          count += 8;
        }
      }
      int e = (int) hot[tableBase + ((int) buf & MASK)];
      if ((e & H_LONG) != 0) e = (int) hot[(e >>> H_OFFSET) + ((int) (buf >>> LOOKUP_BITS) & ((1 << (e & 15)) - 1))];
      int l = e & 15;
      if (l == 0) throw new PackFormatException("invalid Huffman code");
      buf >>>= l;
      count -= l;
      tableBase = e & H_TABLE;
      long len;
      if ((e & H_SLOW) == 0) {
        len = e >>> H_ADVANCE;
        out[o] = (byte) (e >>> H_BYTE); // 0 for runs, which the output already holds
      } else { // an escape run
        int ex = (e >>> H_EXTRA) & 31;
        // count ≥ 56 - 15 here, so at most 31 extra bits may need one more (byte-wise) refill.
        if (count < ex) {
          while (count <= 55) {
            buf |= (long) (pos < end ? in[pos] & 0xFF : 0) << count;
            pos++;
            count += 8;
          }
        }
        long x = buf & ((1L << ex) - 1);
        buf >>>= ex;
        count -= ex;
        len = DIRECT_RUNS + (1L << ex) + x;
      }
      if (len > outEnd - o) throw new PackFormatException("int8 section: zero run past the section end");
      o += (int) len;
      if (o >= rowEnd && o < outEnd) {
        int r = (o - outStart) / rowLength;
        tableBase += rowBase[r] - groupBase;
        groupBase = rowBase[r];
        rowEnd = outStart + (r + 1) * rowLength;
      }
    }
    BitReader.finish(pos, buf, count, start, end);
  }

  /**
   * Hot tokens per 64-bit refill, which guarantees 56 bits: six first-level codes of at most LOOKUP_BITS fit;
   * a long code is only taken with MAX_CODE_LENGTH bits in hand, and the next lookup refills first.
   */
  private static final int HOT_TOKENS = 6;
  /*
   * Token table entries, one int per first-level index or second-level slot. A value or direct run: bits 0-3
   * code length, 9-13 the next token's table (same density class, the context this token leads to), in
   * place as table << LOOKUP_BITS, 14-21 output byte, 22-26 density code, 27-31 advance. Bit 4 (H_SLOW)
   * marks the rest, which the hot loop leaves to the one-token path: with bit 5 (H_LONG), a second-level
   * pointer (bits 0-3 its index bits, 6-31 its offset); with a code length, an escape run (next table as
   * above, bits 14-18 its extra-bit count); with length 0, no code.
   */
  static final int H_SLOW = 16;
  static final int H_LONG = 32;
  private static final int H_TABLE = 31 << LOOKUP_BITS;
  private static final int H_BYTE = 14;
  private static final int H_EXTRA = 14;
  static final int H_OFFSET = 6;
  private static final int H_ZCODE = 22;
  private static final int H_ADVANCE = 27;
  /** Density code of a token: 0..16 a zero run of that length (0: none), Z_VALUE a value. */
  private static final int Z_VALUE = 17;
  /**
   * Per density code, on w = 4096 - z: w' = (w * Z_MUL + Z_ADD) >> 16, exactly the format's updates (a value:
   * z - (z >> 6) = 4096 - (floor(w * 63 / 64) + 64); a run of L: R[L] on w).
   */
  private static final int[] Z_MUL = new int[32];
  private static final int[] Z_ADD = new int[32];
  /** Per density class, the w range that keeps it (z >> 10 = class, the last class open-ended). */
  private static final int[] W_LO = new int[DENSITY_LEVELS];
  private static final int[] W_HI = new int[DENSITY_LEVELS];

  static {
    for (int c = 0; c < 32; c++) Z_MUL[c] = c <= DIRECT_RUNS ? DENSITY_DECAY[c] : 65536;
    Z_MUL[Z_VALUE] = 64512;
    Z_ADD[Z_VALUE] = 64 << 16;
    for (int c = 0; c < DENSITY_LEVELS; c++) {
      W_HI[c] = 4096 - (c << 10);
      W_LO[c] = c == DENSITY_LEVELS - 1 ? Integer.MIN_VALUE : W_HI[c] - 1023;
    }
  }

  /** The density class of w = 4096 - z: min(z >> 10, 3). */
  private static int densityClass(int w) {
    return Math.min((4096 - w) >> 10, DENSITY_LEVELS - 1);
  }

  /** Each symbol's token entry without its code length and next table (see H_SLOW). */
  static final int[] LEAF = new int[INT8_ALPHABET];

  static {
    for (int s = 0; s < INT8_ALPHABET; s++) {
      if (s < RUN_BASE) {
        LEAF[s] = (LITERAL_BYTES[s] & 0xFF) << H_BYTE | Z_VALUE << H_ZCODE | 1 << H_ADVANCE;
      } else if (s < ESCAPE_BASE) {
        int run = s - RUN_BASE + 1;
        LEAF[s] = run << H_ZCODE | run << H_ADVANCE;
      } else {
        LEAF[s] = H_SLOW | (s - ESCAPE_BASE) << H_EXTRA;
      }
    }
  }

  /**
   * The token table of the int8 tables {@code lengths} (table t's first level at t << LOOKUP_BITS, then the
   * second levels, then one spare entry), in Huffman.buildDecoder's layout but with token entries (see
   * H_SLOW) written directly: each symbol's entry is made once and copied to its slots. This is part of every
   * section's setup (32 tables for a large INT8_ROWS section), where building the plain table first and
   * rewriting it slot by slot cost about 5 % of the sample model's decode time.
   */
  static int[] tokenTable(int[][] lengths, int contexts, int[] nextCtx) {
    int tables = lengths.length;
    int main = tables << LOOKUP_BITS;
    int[][] codes = new int[tables][];
    // Per first-level slot, the index bits of its second level (0: none); the codes are complete or have
    // at most one symbol, checked by Huffman.readLengths.
    int[] subBits = new int[main];
    int total = main;
    for (int t = 0; t < tables; t++) {
      int[] len = lengths[t];
      int[] c = Huffman.reversedCodes(len);
      codes[t] = c;
      int base = t << LOOKUP_BITS;
      for (int s = 0; s < len.length; s++) {
        int l = len[s];
        if (l <= LOOKUP_BITS) continue;
        int slot = base + (c[s] & MASK);
        if (l - LOOKUP_BITS > subBits[slot]) {
          total += (1 << (l - LOOKUP_BITS)) - (subBits[slot] == 0 ? 0 : 1 << subBits[slot]);
          subBits[slot] = l - LOOKUP_BITS;
        }
      }
    }
    int[] out = new int[total + 1];
    int next = main;
    for (int slot = 0; slot < main; slot++) {
      if (subBits[slot] == 0) continue;
      out[slot] = next << H_OFFSET | H_SLOW | H_LONG | subBits[slot];
      next += 1 << subBits[slot];
    }
    for (int t = 0; t < tables; t++) {
      int[] len = lengths[t];
      int[] c = codes[t];
      int base = t << LOOKUP_BITS;
      int classTables = t - t % contexts; // the next token's table keeps this density class
      int used = 0;
      for (int s = 0; s < len.length; s++) {
        int l = len[s];
        if (l == 0) continue;
        used++;
        int e = LEAF[s] | (classTables + nextCtx[s]) << LOOKUP_BITS | l;
        if (l <= LOOKUP_BITS) {
          for (int r = base + c[s]; r < base + (1 << LOOKUP_BITS); r += 1 << l) out[r] = e;
        } else {
          int pointer = out[base + (c[s] & MASK)];
          int sub = pointer >>> H_OFFSET;
          for (int r = c[s] >>> LOOKUP_BITS; r < 1 << (pointer & 15); r += 1 << (l - LOOKUP_BITS)) out[sub + r] = e;
        }
      }
      // Bits no code starts with: only in an empty table or one of a single 1-bit code.
      if (used < 2) {
        for (int i = base; i < base + (1 << LOOKUP_BITS); i++) if (out[i] == 0) out[i] = H_SLOW;
      }
    }
    return out;
  }

  /*
   * Pair words, the high half of decodeTokenPairs' table entries: a value or direct run together with the
   * token after it, when the first code leaves room in the lookup bits for the whole code of the next (looked
   * up in the table the first leads to); else the token alone. Bits 0-3 code length of both, 9-13 the table
   * after both (as H_TABLE), 14-21 the second token's output byte (0: none), 26-31 advance of both. Escape
   * runs never pair; entries with H_SLOW set have no pair word.
   */
  private static final int P_ADVANCE = 26;
  /**
   * decodeTokenPairs is used where, averaged over the tables, at least this share of first-level slots (of
   * 1/512: the probability of each slot under the table's own code) resolves two tokens. Sample CNN: about
   * 0.9 after 16-level weight sharing, where pairs decode ~25 % faster, 0.3 without, where they are slower.
   */
  static final double MIN_PAIR_SHARE = 0.5;

  /**
   * Whether at least MIN_PAIR_SHARE of the first-level slots of the tables with codes would resolve two
   * tokens (see secondEntry), counted from the code lengths: a slot pairs when its first code is a value or
   * direct run of l1 < LOOKUP_BITS bits and the next LOOKUP_BITS - l1 bits start with a whole such code of
   * the table it leads to. Decided before any table is built, so that a section that does not pair pays
   * nothing for the question.
   */
  static boolean pairsPay(int[][] lengths, int contexts, int[] nextCtx) {
    long[] slots = pairSlots(lengths, contexts, nextCtx);
    return slots[0] >= MIN_PAIR_SHARE * slots[1];
  }

  /** For pairsPay: the first-level slots that pair, and those of the tables with codes. */
  static long[] pairSlots(int[][] lengths, int contexts, int[] nextCtx) {
    int tables = lengths.length;
    // fits[t][m]: slots among the 2^m that start with a whole value or direct run code of table t of at most
    // m bits (m < LOOKUP_BITS).
    int[][] fits = new int[tables][LOOKUP_BITS];
    long used = 0;
    for (int t = 0; t < tables; t++) {
      int[] perLength = new int[LOOKUP_BITS];
      boolean any = false;
      for (int s = 0; s < lengths[t].length; s++) {
        int l = lengths[t][s];
        any |= l != 0;
        if (l != 0 && l < LOOKUP_BITS && s < ESCAPE_BASE) perLength[l]++;
      }
      if (any) used += 1 << LOOKUP_BITS;
      for (int m = 1; m < LOOKUP_BITS; m++) {
        int n = 0;
        for (int l = 1; l <= m; l++) n += perLength[l] << (m - l);
        fits[t][m] = n;
      }
    }
    long paired = 0;
    for (int t = 0; t < tables; t++) {
      int classTables = t - t % contexts;
      for (int s = 0; s < ESCAPE_BASE && s < lengths[t].length; s++) {
        int l = lengths[t][s];
        if (l != 0 && l < LOOKUP_BITS) paired += fits[classTables + nextCtx[s]][LOOKUP_BITS - l];
      }
    }
    return new long[] {paired, used};
  }

  /** The pair word of token entry {@code e} alone. */
  private static int alone(int e) {
    return (e & (15 | H_TABLE)) | (e >>> H_ADVANCE) << P_ADVANCE;
  }

  /** decodeTokenPairs' table: tokenTable's entries in the low words, pair words in the high words. */
  private static long[] pairTable(int[] table, int tables) {
    int main = tables << LOOKUP_BITS;
    long[] hot = new long[table.length];
    for (int i = 0; i < table.length; i++) {
      int e = table[i];
      if ((e & H_SLOW) != 0) {
        hot[i] = e & 0xFFFFFFFFL;
        continue;
      }
      int e2 = i < main ? secondEntry(table, i) : 0;
      int p = e2 == 0 ? alone(e)
          : (e & 15) + (e2 & 15) | (e2 & H_TABLE) | (e2 & 0xFF << H_BYTE) | ((e >>> H_ADVANCE) + (e2 >>> H_ADVANCE)) << P_ADVANCE;
      hot[i] = (long) p << 32 | (e & 0xFFFFFFFFL);
    }
    return hot;
  }

  /**
   * The entry of the token after first-level slot i's token when the slot's bits hold both codes whole (the
   * second looked up in the table the first leads to), else 0.
   */
  static int secondEntry(int[] table, int i) {
    int e = table[i];
    int l1 = e & 15;
    if ((e & H_SLOW) != 0 || l1 >= LOOKUP_BITS) return 0;
    int e2 = table[(e & H_TABLE) + ((i & MASK) >>> l1)];
    return (e2 & H_SLOW) == 0 && (e2 & 15) <= LOOKUP_BITS - l1 ? e2 : 0;
  }


  /**
   * Raw DEFLATE (RFC 1951): exactly {@code outLength} bytes, the stream ending exactly at the payload end.
   * The caller owns {@code inflater} (raw mode) and reuses it across sections: creating one per section
   * costs more than decoding a small section.
   */
  static void decodeDeflate(java.util.zip.Inflater inflater, byte[] in, int start, int end, byte[] out, int outStart, int outLength)
      throws PackFormatException {
    inflater.reset();
    try {
      inflater.setInput(in, start, end - start);
      int n = 0;
      while (n < outLength) {
        int k = inflater.inflate(out, outStart + n, outLength - n);
        if (k == 0) break; // finished, or needs input it will not get: checked below
        n += k;
      }
      // A stream whose final block has not been closed yet may still be pending: let it finish.
      if (n == outLength && !inflater.finished() && inflater.inflate(new byte[1]) > 0) {
        throw new PackFormatException("deflate section: decodes to more than its declared length");
      }
      if (n != outLength || !inflater.finished()) throw new PackFormatException("deflate section: stream ends early or is truncated");
      if (inflater.getRemaining() != 0) throw new PackFormatException("deflate section: bytes after the end of the stream");
    } catch (java.util.zip.DataFormatException e) {
      throw new PackFormatException("deflate section: " + e.getMessage());
    }
  }
}
