package dev.mlshrink.runtime;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import android.content.Context;
import android.os.Build;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.robolectric.RobolectricTestRunner;
import org.robolectric.RuntimeEnvironment;
import org.robolectric.annotation.Config;

/**
 * {@link MlShrink#load(Context, String)} on real Android framework code (Robolectric's android-all, API 35)
 * through a real Context and AssetManager, reading an APK made by aapt2 (src/test/robolectric/make-test-apk.sh
 * lists its assets). Expected bytes come from the TypeScript side: `mlshrink unpack` of the same packed asset,
 * and the fixture model itself for the plain assets.
 */
@RunWith(RobolectricTestRunner.class)
@Config(sdk = 35)
public class MlShrinkRobolectricTest {
  private static final Path WORK = Paths.get(System.getProperty("mlshrink.robolectricDir", "target/robolectric"));

  private static Context context() {
    return RuntimeEnvironment.getApplication();
  }

  private static byte[] contents(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  private static void assertDirectNativeOrder(ByteBuffer b) {
    assertTrue("direct, as the LiteRT Interpreter needs", b.isDirect());
    assertEquals(ByteOrder.nativeOrder(), b.order());
    assertEquals(0, b.position());
  }

  private static byte[] plainModel() throws IOException {
    return Files.readAllBytes(WORK.resolve("vectors/person_detect.tflite.bin"));
  }

  @Test
  public void runsOnTheRealFramework() {
    assertEquals(35, Build.VERSION.SDK_INT);
    assertEquals("dev.mlshrink.runtime.test", context().getPackageName());
  }

  @Test
  public void packedAssetDecodesToTheTypeScriptUnpackOutput() throws IOException {
    ByteBuffer b = MlShrink.load(context(), "models/hand_landmark_lite.tflite");
    assertDirectNativeOrder(b);
    assertArrayEquals(Files.readAllBytes(WORK.resolve("expected/hand_landmark_lite.tflite")), contents(b));
  }

  @Test
  public void plainStoredTfliteIsMemoryMapped() throws IOException {
    ByteBuffer b = MlShrink.load(context(), "models/plain.tflite");
    assertDirectNativeOrder(b);
    // (Every direct buffer is a MappedByteBuffer in the JDK; only the read-only mapping of the APK is read-only.)
    assertTrue("a stored asset is mapped through AssetManager.openFd, not copied", b.isReadOnly());
    assertArrayEquals(plainModel(), contents(b));
  }

  @Test
  public void deflatedAssetCannotBeMappedAndIsCopied() throws IOException {
    // The real AssetManager refuses a file descriptor for a compressed entry...
    FileNotFoundException refused = assertThrows(FileNotFoundException.class,
        () -> context().getAssets().openFd("models/deflated.model"));
    assertTrue(refused.getMessage(), refused.getMessage().contains("compressed"));
    // ...so load falls back to reading the stream into a direct buffer.
    ByteBuffer b = MlShrink.load(context(), "models/deflated.model");
    assertDirectNativeOrder(b);
    assertFalse("a copy, not a mapping", b.isReadOnly());
    assertArrayEquals(plainModel(), contents(b));
  }

  @Test
  public void missingAssetNamesTheAsset() {
    FileNotFoundException e = assertThrows(FileNotFoundException.class,
        () -> MlShrink.load(context(), "models/none.tflite"));
    assertEquals("no model asset models/none.tflite (nor models/none.tflite.mlshrink)", e.getMessage());
  }

  @Test
  public void corruptPackedAssetNamesTheAsset() {
    PackFormatException e = assertThrows(PackFormatException.class,
        () -> MlShrink.load(context(), "models/corrupt.tflite"));
    assertTrue(e.getMessage(), e.getMessage().startsWith("model asset models/corrupt.tflite.mlshrink: "));
  }
}
