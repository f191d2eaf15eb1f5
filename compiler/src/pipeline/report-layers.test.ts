import { describe, expect, it } from 'vitest';
import { packModel } from '../pack/index.js';
import { clusterWeights } from '../passes/cluster-weights.js';
import { silentContext, type PassResult } from '../passes/pass.js';
import { pruneMagnitude } from '../passes/prune-magnitude.js';
import { weightNet, type LayerSpec } from '../testing/weight-nets.js';
import { readModel } from '../tflite/read.js';
import { writeModel } from '../tflite/write.js';
import { floatReasonsFromWarnings, layerRows } from './report-layers.js';

const LAYERS: LayerSpec[] = [
  { op: 3, weightShape: [16, 3, 3, 8] },
  { op: 9, weightShape: [32, 144] },
];

describe('per-layer report rows', () => {
  it('follow each weight through pruning and clustering: sparsity, codebook size, bytes, packed share', () => {
    const net = weightNet(LAYERS);
    const original = readModel(writeModel(net.model));
    const pruned = (pruneMagnitude.run(original, { sparsity: 0.5, minElements: 0, skipFirst: false, skipLast: false }, silentContext) as PassResult).model;
    const clustered = (clusterWeights.run(pruned, { k: 8, granularity: 'tensor' }, silentContext) as PassResult).model;
    const written = writeModel(clustered);
    const packed = packModel(written);
    const rows = layerRows(written, original, packed, { quantize: 'none' });

    expect(rows.map((r) => [r.op, r.shape])).toEqual([['CONV_2D', [16, 3, 3, 8]], ['FULLY_CONNECTED', [32, 144]]]);
    for (const [i, r] of rows.entries()) {
      const weights = LAYERS[i]!.weightShape.reduce((a, b) => a * b, 1);
      const biases = LAYERS[i]!.weightShape[0]!; // one per output channel
      expect(r.params).toBe(weights + biases);
      expect(r.dtype).toBe('FLOAT32');
      expect(r.bits).toBe(32);
      expect(r.sparsity).toBeGreaterThanOrEqual(0.5);
      expect(r.distinctValues).toBeLessThanOrEqual(8 + 1); // k clusters (zero may be its own)
      expect(r.bytesBefore).toBe(4 * (weights + biases));
      expect(r.bytesAfter).toBe(4 * (weights + biases));
      expect(r.packedBytes).toBeGreaterThan(0);
      expect(r.packedBytes).toBeLessThan(r.bytesAfter / 2); // few distinct values, half zeros
      expect(r.keptFloat).toBeUndefined(); // nothing was asked to be quantized
    }
    expect(rows.reduce((a, r) => a + r.packedBytes!, 0)).toBeLessThanOrEqual(packed.length);
  });

  it('marks float weights as kept float when the model was to be quantized, and reads int8 reasons', () => {
    const net = weightNet(LAYERS);
    const rows = layerRows(writeModel(net.model), undefined, undefined, { quantize: 'dynamic' });
    expect(rows.map((r) => r.keptFloat)).toEqual(['weights stay float32', 'weights stay float32']);
    expect(rows[0]!.bytesBefore).toBeUndefined();
    const reasons = floatReasonsFromWarnings(['quantize-int8: op MEAN (2x) kept float: no int8 kernel in the supported set', 'other']);
    expect([...reasons]).toEqual([['MEAN', 'no int8 kernel in the supported set']]);
  });
});
