package dev.mlshrink.runtime;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import org.brotli.dec.BrotliInputStream;

/**
 * The shared Brotli stream of a version 2 file (docs/format.md "The shared stream"), read in table order
 * straight into the SHARED sections' places in the output. org.brotli:dec is the Brotli authors' pure
 * Java decoder; its ring buffer is at most the stream's window (16 MiB), whatever the stream claims.
 */
final class SharedStream implements AutoCloseable {
  private final BrotliInputStream in;
  private final int declared;
  private int produced;

  /**
   * The stream in {@code packed[start, end)}, which must decode to exactly {@code declared} bytes;
   * {@code primed}: it continues {@link PrimedPrefix}, whose decoded dictionary bytes are dropped.
   */
  SharedStream(byte[] packed, int start, int end, int declared, boolean primed) throws PackFormatException {
    this.declared = declared;
    try {
      InputStream payload = new ByteArrayInputStream(packed, start, end - start);
      if (primed) payload = new SequenceInputStream(new ByteArrayInputStream(PrimedPrefix.BYTES), payload);
      in = new BrotliInputStream(payload);
      if (primed) {
        byte[] dictionary = new byte[PrimedPrefix.DICTIONARY_LENGTH];
        int n = 0;
        while (n < dictionary.length) {
          int k = in.read(dictionary, n, dictionary.length - n);
          if (k < 0) throw new PackFormatException("shared stream: ends inside the priming prefix");
          n += k;
        }
      }
    } catch (PackFormatException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw failure(e);
    }
  }

  /** The next {@code length} bytes of the stream into {@code out[offset, offset + length)}. */
  void readInto(byte[] out, int offset, int length) throws PackFormatException {
    try {
      int n = 0;
      while (n < length) {
        int k = in.read(out, offset + n, length - n);
        if (k < 0) throw new PackFormatException("shared stream: decodes to less than its SHARED sections");
        n += k;
      }
      produced += n;
    } catch (PackFormatException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw failure(e);
    }
  }

  /**
   * After the last SHARED section: the stream must end here, and at the end of its bytes (the decoder
   * checks that when it reaches the end: "Unused bytes after end").
   */
  void finish() throws PackFormatException {
    if (produced != declared) throw new PackFormatException("shared stream: not read to its declared length");
    try {
      if (in.read() >= 0) throw new PackFormatException("shared stream: decodes to more than its SHARED sections");
    } catch (PackFormatException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw failure(e);
    }
  }

  @Override
  public void close() {
    try {
      in.close();
    } catch (IOException ignored) {
      // Closing releases decoder state only; nothing to report.
    }
  }

  private static PackFormatException failure(Exception e) {
    Throwable cause = e.getCause() != null ? e.getCause() : e;
    return new PackFormatException("shared stream: " + cause.getMessage());
  }
}
