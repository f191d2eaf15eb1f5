package dev.mlshrink.runtime;

/**
 * LSB-first bit reader over one section payload (docs/format.md "Conventions"). Reads past the end give
 * zero bits; the section's end check then rejects the payload. Hot decode loops copy the public state
 * into locals and work on it directly.
 */
final class BitReader {
  final byte[] data;
  final int start;
  final int end;
  /** Bytes loaded into {@link #buf} so far (may run past {@link #end}). */
  int pos;
  /** Unread bits, LSB first; {@link #count} of them are valid. */
  long buf;
  int count;

  BitReader(byte[] data, int start, int end) {
    this.data = data;
    this.start = start;
    this.end = end;
    this.pos = start;
  }

  /** Reads {@code n} ≤ 32 bits. */
  int read(int n) {
    if (count < n) {
      while (count <= 56) {
        buf |= (long) (pos < end ? data[pos] & 0xFF : 0) << count;
        pos++;
        count += 8;
      }
    }
    int v = (int) (buf & ((1L << n) - 1));
    buf >>>= n;
    count -= n;
    return v;
  }

  /** The section must end exactly at its last code, padded with zero bits. */
  static void finish(int pos, long buf, int count, int start, int end) throws PackFormatException {
    int consumed = pos - start - (count >> 3);
    int partial = count & 7;
    if (consumed != end - start || (buf & ((1L << partial) - 1)) != 0) {
      throw new PackFormatException("section payload length does not match its coded data");
    }
  }
}
