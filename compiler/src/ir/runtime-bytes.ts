/**
 * Bytes of constant tensor data (weights, biases, other constants) a model holds once it is decoded:
 * what the runtime keeps in RAM for them, whatever the download was packed to. Each buffer counts
 * once, however many tensors share it; INT4 data counts its packed ceil(n / 2) bytes, as LiteRT
 * stores it (its int4 kernels unpack one layer at a time into scratch memory while running it).
 */
import type { Model } from './model.js';

export function runtimeWeightBytes(model: Model): number {
  const seen = new Set<number>();
  let bytes = 0;
  for (const sg of model.subgraphs) {
    for (const t of sg.tensors) {
      if (t.buffer <= 0 || seen.has(t.buffer)) continue;
      seen.add(t.buffer);
      bytes += model.buffers[t.buffer]?.data.byteLength ?? 0;
    }
  }
  return bytes;
}
