/**
 * The packed format end to end: `optimize` (prune + int8 weights) packs its output by default; the
 * packed file decodes to exactly the model the same pipeline writes unpacked, that model runs in
 * LiteRT, the file is no larger than Brotli of the model plus the format v2 header, and the Huffman
 * weight sections (as the v1 encoder makes them) code well below 8 bits per weight. The model is the sample app's
 * CNN architecture with seeded random weights (the trained one is not needed to test the format).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLiteRt } from '../compiler/src/eval/litert.js';
import { isPacked, PACKED_SUFFIX, unpackModel } from '../compiler/src/pack/index.js';
import { encodeBrotli } from '../compiler/src/pack/brotli-coder.js';
import { inspectPacked } from '../compiler/src/pack/inspect-packed.js';
import { packModelV1 } from '../compiler/src/pack/pack.js';
import { DEFAULT_OPTIONS, type OptimizeOptions } from '../compiler/src/pipeline/config.js';
import { optimizeFile } from '../compiler/src/pipeline/optimize.js';
import { prng } from '../compiler/src/util/prng.js';
import { FASHION_CNN_SHAPES, PARAM_NAMES, type FashionCnnWeights } from '../compiler/src/train/fashion-cnn.js';
import { fashionCnnModel } from '../compiler/src/train/fashion-cnn-tflite.js';
import { writeModel } from '../compiler/src/tflite/write.js';
import { scratchDir } from '../compiler/src/testing/scratch-dir.js';

/** He-scaled seeded weights (Laplacian, as trained conv weights roughly are). */
function seededWeights(seed: number): FashionCnnWeights {
  const rand = prng(seed);
  const w = {} as FashionCnnWeights;
  for (const name of PARAM_NAMES) {
    const shape: readonly number[] = FASHION_CNN_SHAPES[name];
    const n = shape.reduce((a, b) => a * b, 1);
    const fanIn = shape.length > 1 ? n / shape[shape.length - 1] : 1;
    const scale = Math.sqrt(1 / fanIn);
    w[name] = new Float32Array(n).map(() => (rand() < 0.5 ? -1 : 1) * scale * Math.log(1 / (1 - rand())));
  }
  return w;
}

describe('optimize → pack → unpack → LiteRT', () => {
  it('CNN pruned 50 % with int8 weights: packed decodes to the unpacked output, runs, ≤ Brotli + header, Huffman < 5.5 bits/weight', async () => {
    const model = join(scratchDir('mlshrink-pack-e2e-'), 'cnn.tflite');
    writeFileSync(model, writeModel(fashionCnnModel(seededWeights(3))));
    const options: OptimizeOptions = { ...DEFAULT_OPTIONS, prune: 0.5, quantize: 'dynamic' };
    const packedDir = scratchDir('mlshrink-pack-e2e-');
    const plainDir = scratchDir('mlshrink-pack-e2e-');
    await optimizeFile(model, packedDir, { ...options, pack: 'huffman' });
    await optimizeFile(model, plainDir, { ...options, pack: 'none' });
    const packed = new Uint8Array(readFileSync(join(packedDir, `cnn.tflite${PACKED_SUFFIX}`)));
    const plain = new Uint8Array(readFileSync(join(plainDir, 'cnn.tflite')));
    expect(isPacked(packed)).toBe(true);
    const decoded = unpackModel(packed);
    expect(Buffer.from(decoded).equals(Buffer.from(plain))).toBe(true);
    expect(packed.length).toBeLessThan(plain.length * 0.7);

    // 13 fixed header bytes, a section count and at least one entry of 2 to 4 bytes.
    expect(packed.length).toBeLessThanOrEqual(encodeBrotli(plain).length + 18);
    const { inspection } = inspectPacked('cnn', packModelV1(plain));
    expect(inspection.bitsPerWeight).not.toBeNull();
    expect(inspection.bitsPerWeight!).toBeLessThan(5.5);

    const rt = await loadLiteRt(decoded);
    try {
      const rand = prng(7);
      const inputs = rt.inputs.map((i) => new Float32Array(i.shape.reduce((a, b) => a * b, 1)).map(() => rand()));
      const [mask] = await rt.run(inputs);
      expect(mask.length).toBeGreaterThan(0);
      expect(Array.from(mask as Float32Array).every(Number.isFinite)).toBe(true);
    } finally {
      rt.dispose();
    }
  });
});
