package dev.mlshrink.runtime;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.tukaani.xz.LZMA2InputStream;

/**
 * LZMA sections of a version 2 file (docs/format.md "LZMA sections"): one raw LZMA2 stream whose
 * dictionary size is max(4096, decoded length), so the decoder's memory is bounded by the section's
 * length, already checked against the limit. org.tukaani:xz is the XZ authors' pure Java implementation.
 */
final class LzmaSection {
  private static final int MIN_DICT = 4096;

  private LzmaSection() {}

  static void decode(byte[] packed, int start, int end, byte[] out, int dst, int length) throws PackFormatException {
    checkChunks(packed, start, end, length);
    ByteArrayInputStream payload = new ByteArrayInputStream(packed, start, end - start);
    try (LZMA2InputStream in = new LZMA2InputStream(payload, Math.max(MIN_DICT, length))) {
      int n = 0;
      while (n < length) {
        int k = in.read(out, dst + n, length - n);
        if (k < 0) throw new PackFormatException("LZMA section: decodes to less than the table says");
        n += k;
      }
      // The end-of-stream chunk must follow, and end exactly at the payload's end.
      if (in.read() >= 0) throw new PackFormatException("LZMA section: decodes to more than the table says");
      if (payload.available() != 0) throw new PackFormatException("LZMA section: bytes after the end of the stream");
    } catch (PackFormatException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new PackFormatException("LZMA section: " + e.getMessage());
    }
  }

  /**
   * The LZMA2 chunk headers must add up to exactly {@code length} decoded bytes and the end marker must
   * be the payload's last byte: checked before decoding, so a stream claiming more is refused unread.
   */
  static void checkChunks(byte[] b, int start, int end, int length) throws PackFormatException {
    int p = start;
    long total = 0;
    boolean first = true;
    while (true) {
      if (p >= end) throw new PackFormatException("LZMA section: stream ends without its end marker");
      int control = b[p] & 0xFF;
      if (control == 0) break;
      int unpacked;
      int packedSize;
      int header;
      if (control == 1 || control == 2) {
        if (p + 3 > end) throw new PackFormatException("LZMA section: truncated chunk header");
        unpacked = ((b[p + 1] & 0xFF) << 8 | (b[p + 2] & 0xFF)) + 1;
        packedSize = unpacked;
        header = 3;
        if (first && control != 1) throw new PackFormatException("LZMA section: first chunk does not reset the dictionary");
      } else if (control >= 0x80) {
        header = control >= 0xC0 ? 6 : 5;
        if (p + header > end) throw new PackFormatException("LZMA section: truncated chunk header");
        unpacked = ((control & 0x1F) << 16 | (b[p + 1] & 0xFF) << 8 | (b[p + 2] & 0xFF)) + 1;
        packedSize = ((b[p + 3] & 0xFF) << 8 | (b[p + 4] & 0xFF)) + 1;
        if (first && control < 0xE0) {
          throw new PackFormatException("LZMA section: first chunk does not reset the dictionary and properties");
        }
      } else {
        throw new PackFormatException("LZMA section: invalid chunk control byte " + control);
      }
      total += unpacked;
      if (total > length) throw new PackFormatException("LZMA section: chunks decode to more than the table says");
      p += header + packedSize;
      first = false;
    }
    if (total != length) throw new PackFormatException("LZMA section: chunks decode to fewer bytes than the table says");
    if (p + 1 != end) throw new PackFormatException("LZMA section: bytes after the end of the stream");
  }
}
