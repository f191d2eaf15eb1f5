package dev.mlshrink.runtime;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The asset-loading rule of {@link MlShrink#load}, free of Android types so it can be tested on the JVM:
 * the packed {@code name + ".mlshrink"} when it exists, decoded; else the plain {@code name}, mapped when
 * possible, copied otherwise.
 */
final class ModelAssets {
  /** Where model files come from (an AssetManager on Android). */
  interface Source {
    /** Opens an asset; throws FileNotFoundException when there is none of that name. */
    InputStream open(String name) throws IOException;

    /** A read-only mapping of an uncompressed asset, or null when it cannot be mapped. */
    ByteBuffer map(String name) throws IOException;
  }

  private ModelAssets() {}

  static ByteBuffer load(Source source, String name, long maxDecodedSize) throws IOException {
    String packedName = name + MlShrink.PACKED_SUFFIX;
    byte[] packed;
    try (InputStream in = source.open(packedName)) {
      packed = readAll(in);
    } catch (FileNotFoundException noPackedModel) {
      return loadPlain(source, name);
    }
    try {
      return PackedModelDecoder.decodeToDirectBuffer(packed, maxDecodedSize);
    } catch (PackFormatException e) {
      // The decoder knows bytes, not names: say which asset is broken.
      PackFormatException named = new PackFormatException("model asset " + packedName + ": " + e.getMessage());
      named.initCause(e);
      throw named;
    }
  }

  private static ByteBuffer loadPlain(Source source, String name) throws IOException {
    ByteBuffer mapped = source.map(name);
    if (mapped != null) return mapped.order(ByteOrder.nativeOrder());
    byte[] bytes;
    try (InputStream in = source.open(name)) {
      bytes = readAll(in);
    } catch (FileNotFoundException e) {
      FileNotFoundException named = new FileNotFoundException(
          "no model asset " + name + " (nor " + name + MlShrink.PACKED_SUFFIX + ")");
      named.initCause(e);
      throw named;
    }
    ByteBuffer buffer = ByteBuffer.allocateDirect(bytes.length).order(ByteOrder.nativeOrder());
    buffer.put(bytes);
    buffer.rewind();
    return buffer;
  }

  static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
    byte[] chunk = new byte[1 << 16];
    for (int n; (n = in.read(chunk)) > 0; ) out.write(chunk, 0, n);
    return out.toByteArray();
  }
}
