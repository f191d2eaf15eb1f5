package dev.mlshrink.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.FileNotFoundException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelAssetsTest {
  /** An in-memory asset folder that records what was opened; `mappable` assets can be mapped. */
  static final class FakeAssets implements ModelAssets.Source {
    final Map<String, byte[]> files = new HashMap<>();
    final List<String> opened = new ArrayList<>();
    boolean mappable;

    @Override
    public InputStream open(String name) throws FileNotFoundException {
      opened.add(name);
      byte[] b = files.get(name);
      if (b == null) throw new FileNotFoundException(name);
      return new ByteArrayInputStream(b);
    }

    @Override
    public ByteBuffer map(String name) {
      byte[] b = files.get(name);
      return mappable && b != null ? ByteBuffer.wrap(b).asReadOnlyBuffer() : null;
    }
  }

  private static byte[] contents(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  @Test
  void prefersThePackedAssetAndDecodesIt() throws Exception {
    FakeAssets assets = new FakeAssets();
    byte[] model = Vectors.resource("hello_world_int8.tflite.bin");
    assets.files.put("m.tflite.mlshrink", Vectors.resource("hello_world_int8.tflite.mlshrink"));
    assets.files.put("m.tflite", new byte[] {1, 2, 3});
    ByteBuffer b = ModelAssets.load(assets, "m.tflite", 1 << 20);
    assertTrue(b.isDirect());
    assertEquals(ByteOrder.nativeOrder(), b.order());
    assertArrayEquals(model, contents(b));
    assertEquals(List.of("m.tflite.mlshrink"), assets.opened);
  }

  @Test
  void fallsBackToThePlainAssetCopiedOrMapped() throws Exception {
    FakeAssets assets = new FakeAssets();
    byte[] model = Vectors.resource("simple_add_model.tflite.bin");
    assets.files.put("m.tflite", model);
    ByteBuffer copied = ModelAssets.load(assets, "m.tflite", 1 << 20);
    assertTrue(copied.isDirect());
    assertEquals(ByteOrder.nativeOrder(), copied.order());
    assertArrayEquals(model, contents(copied));

    assets.mappable = true;
    ByteBuffer mapped = ModelAssets.load(assets, "m.tflite", 1 << 20);
    assertEquals(ByteOrder.nativeOrder(), mapped.order());
    assertArrayEquals(model, contents(mapped));
  }

  @Test
  void missingOrCorruptModelsFail() throws Exception {
    FakeAssets assets = new FakeAssets();
    assertThrows(FileNotFoundException.class, () -> ModelAssets.load(assets, "none.tflite", 1 << 20));
    byte[] corrupt = Vectors.resource("hello_world_int8.tflite.mlshrink").clone();
    corrupt[corrupt.length - 1] ^= 0x55;
    assets.files.put("m.tflite.mlshrink", corrupt);
    assets.files.put("m.tflite", Vectors.resource("hello_world_int8.tflite.bin"));
    // A corrupt packed model is an error, never a silent fallback to a possibly stale plain asset.
    assertThrows(PackFormatException.class, () -> ModelAssets.load(assets, "m.tflite", 1 << 20));
  }
}
