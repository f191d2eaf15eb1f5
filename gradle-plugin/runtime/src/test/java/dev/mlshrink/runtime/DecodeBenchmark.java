package dev.mlshrink.runtime;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Paths;

/**
 * Decode throughput of PackedModelDecoder, for bench/pack.ts (not a test). Prints one line per file:
 * {@code <file>\t<MB of decoded output per CPU-second of the decoding thread, median of 3>}. Usage: DecodeBenchmark file.mlshrink...
 */
public final class DecodeBenchmark {
  private DecodeBenchmark() {}

  public static void main(String[] args) throws Exception {
    for (String file : args) {
      byte[] packed = Files.readAllBytes(Paths.get(file));
      long decoded = 0;
      long deadline = System.nanoTime() + 1_000_000_000L; // JIT warm-up
      while (System.nanoTime() < deadline) decoded += PackedModelDecoder.decode(packed).length;
      // CPU time of this thread, not wall time: the machines this runs on are shared. Median of three
      // half-second windows.
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      double[] mbps = new double[3];
      for (int w = 0; w < mbps.length; w++) {
        int runs = 0;
        long start = threads.getCurrentThreadCpuTime();
        long elapsed;
        do {
          decoded = PackedModelDecoder.decode(packed).length;
          runs++;
          elapsed = threads.getCurrentThreadCpuTime() - start;
        } while (elapsed < 500_000_000L);
        mbps[w] = decoded * (double) runs / (elapsed / 1e9) / 1e6;
      }
      java.util.Arrays.sort(mbps);
      System.out.printf("%s\t%.1f%n", file, mbps[1]);
    }
  }
}
