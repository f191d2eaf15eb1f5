package dev.mlshrink.runtime;

import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * What {@link MlShrink#load} costs on the JVM, for bench/jvm-load.ts (not a test): the packed asset decoded
 * by the runtime's loading rule ({@link ModelAssets#load}, the code behind MlShrink.load) against the same
 * model's plain bytes read into a direct buffer (the runtime's path for a compressed plain asset). Assets
 * are files here, read as streams (as AssetManager.open gives them). Prints one line per model:
 * {@code <name>\tpacked ms\tplain ms\tpacked heap bytes\tplain heap bytes} with times in CPU ms of the
 * loading thread (median of the runs) and heap bytes allocated per load (all transient: the packed bytes, decode
 * buffers). Both paths return a direct buffer of the model's size.
 * Usage: LoadBenchmark name=packed.mlshrink,plain.tflite ...
 */
public final class LoadBenchmark {
  private LoadBenchmark() {}

  /** Assets from a folder, opened as streams only (mapping is what a stored plain asset would add). */
  private static ModelAssets.Source files(final Path dir) {
    return new ModelAssets.Source() {
      @Override
      public InputStream open(String name) throws IOException {
        Path p = dir.resolve(name);
        if (!Files.isRegularFile(p)) throw new FileNotFoundException(name);
        return new FileInputStream(p.toFile());
      }

      @Override
      public ByteBuffer map(String name) {
        return null;
      }
    };
  }

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** {cpu ms median, heap bytes allocated by one load}. */
  private static double[] measure(ModelAssets.Source source, String name, long expectedSize) throws IOException {
    long tid = Thread.currentThread().getId();
    for (int i = 0; i < 5; i++) ModelAssets.load(source, name, PackedModelDecoder.DEFAULT_MAX_DECODED_SIZE); // JIT
    int runs = 15;
    double[] ms = new double[runs];
    long heap = Long.MAX_VALUE;
    for (int i = 0; i < runs; i++) {
      System.gc();
      long alloc0 = THREADS.getThreadAllocatedBytes(tid);
      long cpu0 = THREADS.getCurrentThreadCpuTime();
      ByteBuffer b = ModelAssets.load(source, name, PackedModelDecoder.DEFAULT_MAX_DECODED_SIZE);
      ms[i] = (THREADS.getCurrentThreadCpuTime() - cpu0) / 1e6;
      heap = Math.min(heap, THREADS.getThreadAllocatedBytes(tid) - alloc0);
      if (b.remaining() != expectedSize) throw new IllegalStateException(name + ": decoded " + b.remaining() + " bytes");
    }
    java.util.Arrays.sort(ms);
    return new double[] {ms[runs / 2], heap};
  }

  public static void main(String[] args) throws Exception {
    for (String arg : args) {
      String label = arg.substring(0, arg.indexOf('='));
      String[] files = arg.substring(arg.indexOf('=') + 1).split(",");
      Path packed = Paths.get(files[0]).toAbsolutePath();
      Path plain = Paths.get(files[1]).toAbsolutePath();
      long size = Files.size(plain);
      // The packed file is found as "<model>.mlshrink"; the plain one has no packed sibling in its folder.
      String packedModel = packed.getFileName().toString().replaceFirst("\\.mlshrink$", "");
      double[] p = measure(files(packed.getParent()), packedModel, size);
      double[] r = measure(files(plain.getParent()), plain.getFileName().toString(), size);
      System.out.printf("%s\t%.2f\t%.2f\t%d\t%d%n", label, p[0], r[0], (long) p[1], (long) r[1]);
    }
  }
}
