package dev.mlshrink.runtime;

import android.content.Context;
import android.content.res.AssetFileDescriptor;
import android.content.res.AssetManager;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Loads a model asset for {@code new Interpreter(buffer)}: the packed {@code name + ".mlshrink"} that the
 * mlshrink Gradle plugin puts into release builds, decoded; or, when there is none (debug builds), the
 * plain {@code name} asset unchanged. The result is a direct buffer in native byte order.
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
   * @throws PackFormatException if the packed asset is corrupt or decodes to more than {@code maxDecodedSize}
   * @throws FileNotFoundException if neither {@code name + ".mlshrink"} nor {@code name} exists
   */
  public static ByteBuffer load(final AssetManager assets, String name, long maxDecodedSize) throws IOException {
    return ModelAssets.load(new ModelAssets.Source() {
      @Override
      public InputStream open(String asset) throws IOException {
        return assets.open(asset);
      }

      @Override
      public ByteBuffer map(String asset) throws IOException {
        // openFd works only for assets stored uncompressed (AGP's default for .tflite).
        try (AssetFileDescriptor fd = assets.openFd(asset);
             FileInputStream in = new FileInputStream(fd.getFileDescriptor())) {
          return in.getChannel().map(FileChannel.MapMode.READ_ONLY, fd.getStartOffset(), fd.getDeclaredLength());
        } catch (FileNotFoundException compressedOrMissing) {
          return null;
        }
      }
    }, name, maxDecodedSize);
  }
}
