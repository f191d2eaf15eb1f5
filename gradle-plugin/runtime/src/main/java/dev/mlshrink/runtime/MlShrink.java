package dev.mlshrink.runtime;

import android.content.Context;
import android.content.res.AssetFileDescriptor;
import android.content.res.AssetManager;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * Loads a model asset for {@code new Interpreter(buffer)}: the packed {@code name + ".mlshrink"} that the
 * mlshrink Gradle plugin puts into release builds, decoded; or, when there is none (debug builds), the
 * plain {@code name} asset unchanged.
 */
public final class MlShrink {
  /** Suffix the Gradle plugin gives packed models. */
  public static final String PACKED_SUFFIX = ".mlshrink";

  private MlShrink() {}

  public static ByteBuffer load(Context context, String name) throws IOException {
    return load(context.getAssets(), name, PackedModelDecoder.DEFAULT_MAX_DECODED_SIZE);
  }

  public static ByteBuffer load(AssetManager assets, String name) throws IOException {
    return load(assets, name, PackedModelDecoder.DEFAULT_MAX_DECODED_SIZE);
  }

  /**
   * @return a direct, native-order buffer holding the .tflite model
   * @throws PackFormatException if the packed asset is corrupt or decodes to more than {@code maxDecodedSize}
   */
  public static ByteBuffer load(AssetManager assets, String name, long maxDecodedSize) throws IOException {
    byte[] packed;
    try (InputStream in = assets.open(name + PACKED_SUFFIX)) {
      packed = readAll(in);
    } catch (FileNotFoundException noPackedModel) {
      return loadPlain(assets, name);
    }
    return PackedModelDecoder.decodeToDirectBuffer(packed, maxDecodedSize);
  }

  /** Memory-maps the plain asset when it is stored uncompressed (AGP's default for .tflite), else copies it. */
  private static ByteBuffer loadPlain(AssetManager assets, String name) throws IOException {
    try (AssetFileDescriptor fd = assets.openFd(name);
         FileInputStream in = new FileInputStream(fd.getFileDescriptor())) {
      return in.getChannel().map(FileChannel.MapMode.READ_ONLY, fd.getStartOffset(), fd.getDeclaredLength())
          .order(ByteOrder.nativeOrder());
    } catch (FileNotFoundException compressed) {
      // openFd refuses compressed assets; fall through to a copy.
    }
    byte[] bytes;
    try (InputStream in = assets.open(name)) {
      bytes = readAll(in);
    }
    ByteBuffer buffer = ByteBuffer.allocateDirect(bytes.length).order(ByteOrder.nativeOrder());
    buffer.put(bytes);
    buffer.rewind();
    return buffer;
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
    byte[] chunk = new byte[1 << 16];
    for (int n; (n = in.read(chunk)) > 0; ) out.write(chunk, 0, n);
    return out.toByteArray();
  }
}
