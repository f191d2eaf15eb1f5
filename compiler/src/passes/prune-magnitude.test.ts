import { describe, expect, it } from 'vitest';
import { tensorData } from '../ir/graph.js';
import type { Model } from '../ir/model.js';
import { weightNet, type LayerSpec } from '../testing/weight-nets.js';
import { silentContext, type PassResult } from './pass.js';
import { pruneMagnitude, type PruneMagnitudeOptions } from './prune-magnitude.js';

const LAYERS: LayerSpec[] = [
  { op: 3, weightShape: [8, 3, 3, 3] }, // first: skipped by default
  { op: 4, weightShape: [1, 3, 3, 32] },
  { op: 3, weightShape: [16, 3, 3, 8] },
  { op: 67, weightShape: [8, 3, 3, 16] },
  { op: 9, weightShape: [4, 10] }, // small
  { op: 9, weightShape: [10, 64] }, // last: skipped by default
];

function zeros(model: Model, t: number): number {
  const d = tensorData(model, model.subgraphs[0]!.tensors[t]!);
  let n = 0;
  for (let i = 0; i < d.length; i++) if (d[i] === 0) n++;
  return n;
}

function prune(model: Model, options: PruneMagnitudeOptions): PassResult {
  return pruneMagnitude.run(model, options, silentContext) as PassResult;
}

function snapshot(model: Model): Uint8Array[] {
  return model.buffers.map((b) => b.data.slice());
}

describe('prune-magnitude', () => {
  for (const int8 of [false, true]) {
    it(`reaches the exact sparsity per tensor, skips first/last/small, never touches biases (${int8 ? 'int8' : 'float32'})`, () => {
      const net = weightNet(LAYERS, { int8 });
      const before = snapshot(net.model);
      const { model, stats } = prune(net.model, { sparsity: 0.5, minElements: 100 });
      // Input untouched (the pass contract).
      net.model.buffers.forEach((b, i) => expect(b.data).toEqual(before[i]));
      const pruned = [1, 2, 3];
      for (const [i, w] of net.weights.entries()) {
        const t = model.subgraphs[0]!.tensors[w]!;
        const n = t.shape!.reduce((a, b) => a * b, 1);
        if (pruned.includes(i)) {
          expect(zeros(model, w)).toBe(Math.round(0.5 * n));
          // The zeros are the smallest magnitudes: every kept |w| ≥ every pruned original |w|.
          const orig = tensorData(net.model, t);
          const now = tensorData(model, t);
          let maxPruned = 0;
          let minKept = Infinity;
          const scale = t.quantization?.scale;
          const axis = t.quantization?.quantizedDimension ?? 0;
          const inner = t.shape!.slice(axis + 1).reduce((a, b) => a * b, 1);
          for (let e = 0; e < n; e++) {
            const s = scale ? scale[Math.floor(e / inner) % t.shape![axis]!]! : 1;
            const mag = Math.abs(Number(orig[e])) * s;
            if (now[e] === 0) maxPruned = Math.max(maxPruned, mag);
            else {
              minKept = Math.min(minKept, mag);
              expect(now[e]).toBe(orig[e]);
            }
          }
          expect(maxPruned).toBeLessThanOrEqual(minKept);
        } else {
          expect(model.buffers[t.buffer]!.data).toEqual(before[t.buffer]);
        }
      }
      for (const b of net.biases) {
        const t = model.subgraphs[0]!.tensors[b]!;
        expect(model.buffers[t.buffer]!.data).toEqual(before[t.buffer]);
      }
      expect(stats.prunedTensors).toBe(3);
      expect(stats.sparsity).toBeCloseTo(0.5, 2);
    });
  }

  it('prunes first and last layers when asked, and honours per-layer targets', () => {
    const net = weightNet(LAYERS);
    const perLayer = new Map([[net.weights[2]!, 0.8]]);
    const { model } = prune(net.model, { sparsity: 0.3, minElements: 0, skipFirst: false, skipLast: false, perLayer });
    net.weights.forEach((w, i) => {
      const n = model.subgraphs[0]!.tensors[w]!.shape!.reduce((a, b) => a * b, 1);
      expect(zeros(model, w)).toBe(Math.round((i === 2 ? 0.8 : 0.3) * n));
    });
  });

  it('prunes a layer named in perLayer even when it is first or small', () => {
    const net = weightNet(LAYERS);
    const first = net.weights[0]!;
    const small = net.weights[4]!;
    const { model } = prune(net.model, { sparsity: 0, minElements: 100, perLayer: new Map([[first, 0.5], [small, 0.25]]) });
    expect(zeros(model, first)).toBe(Math.round(0.5 * 8 * 3 * 3 * 3));
    expect(zeros(model, small)).toBe(10);
    expect(zeros(model, net.weights[1]!)).toBe(0);
  });

  it('breaks ties by element index, deterministically', () => {
    const net = weightNet([
      { op: 9, weightShape: [2, 2] },
      { op: 9, weightShape: [4, 100] },
      { op: 9, weightShape: [2, 2] },
    ]);
    const w = net.model.subgraphs[0]!.tensors[net.weights[1]!]!;
    const data = new Float32Array(400).fill(0.25); // all tied
    const buffers = net.model.buffers.slice();
    buffers[w.buffer] = { data: new Uint8Array(data.buffer) };
    const tied: Model = { ...net.model, buffers };
    const a = prune(tied, { sparsity: 0.25, minElements: 0 });
    const b = prune(tied, { sparsity: 0.25, minElements: 0 });
    const out = tensorData(a.model, w) as Float32Array;
    expect(Array.from(out.subarray(0, 100)).every((v) => v === 0)).toBe(true);
    expect(Array.from(out.subarray(100)).every((v) => v === 0.25)).toBe(true);
    expect(a.model.buffers[w.buffer]!.data).toEqual(b.model.buffers[w.buffer]!.data);
  });

  it('with one global threshold reaches the overall sparsity across layers', () => {
    const net = weightNet(LAYERS);
    const { model, stats } = prune(net.model, { sparsity: 0.6, global: true, minElements: 100 });
    const ws = [1, 2, 3].map((i) => net.weights[i]!);
    const total = ws.reduce((a, w) => a + model.subgraphs[0]!.tensors[w]!.shape!.reduce((x, y) => x * y, 1), 0);
    const z = ws.reduce((a, w) => a + zeros(model, w), 0);
    expect(z).toBe(Math.round(0.6 * total));
    expect(stats.sparsity).toBeCloseTo(z / total, 10);
  });

  it('rejects sparsity outside [0, 1)', () => {
    const net = weightNet(LAYERS);
    expect(() => prune(net.model, { sparsity: 1 })).toThrow(RangeError);
  });
});
