import { describe, expect, it } from 'vitest';
import { tensorData } from '../ir/graph.js';
import type { Model } from '../ir/model.js';
import { weightNet, type LayerSpec } from '../testing/weight-nets.js';
import { clusterWeights, kmeans1d, type ClusterWeightsOptions } from './cluster-weights.js';
import { silentContext, type PassResult } from './pass.js';
import { pruneMagnitude } from './prune-magnitude.js';

const LAYERS: LayerSpec[] = [
  { op: 3, weightShape: [8, 3, 3, 3] },
  { op: 4, weightShape: [1, 3, 3, 32] },
  { op: 3, weightShape: [16, 3, 3, 32] },
  { op: 9, weightShape: [10, 64] },
];

function cluster(model: Model, options: ClusterWeightsOptions): PassResult {
  return clusterWeights.run(model, options, silentContext) as PassResult;
}

/** Distinct values per output-channel group (axis 3 for depthwise, else 0) or per tensor. */
function maxDistinct(model: Model, w: number, op: number, perChannel: boolean): number {
  const t = model.subgraphs[0]!.tensors[w]!;
  const d = tensorData(model, t);
  const axis = op === 4 ? 3 : 0;
  const dim = perChannel ? t.shape![axis]! : 1;
  const inner = t.shape!.slice(axis + 1).reduce((a, b) => a * b, 1);
  const sets = Array.from({ length: dim }, () => new Set<number>());
  for (let i = 0; i < d.length; i++) sets[perChannel ? Math.floor(i / inner) % dim : 0]!.add(Number(d[i]));
  return Math.max(...sets.map((s) => s.size));
}

describe('kmeans1d', () => {
  it('finds the two obvious clusters', () => {
    const out = kmeans1d([0, 0.1, 0.2, 10, 10.1, 10.2], 2);
    expect(Array.from(out.subarray(0, 3)).every((v) => Math.abs(v - 0.1) < 1e-9)).toBe(true);
    expect(Array.from(out.subarray(3)).every((v) => Math.abs(v - 10.1) < 1e-9)).toBe(true);
  });
  it('keeps values as they are when there are no more than k of them', () => {
    expect(Array.from(kmeans1d([3, 1, 3, 2], 4))).toEqual([3, 1, 3, 2]);
  });
  it('snaps centroids to a grid', () => {
    const out = kmeans1d([1, 1.2, 1.4, 7, 7.3], 2, 30, Math.round);
    expect(Array.from(out)).toEqual([1, 1, 1, 7, 7]);
  });
});

describe('cluster-weights', () => {
  for (const int8 of [false, true]) {
    for (const granularity of ['tensor', 'channel'] as const) {
      it(`leaves ≤ k distinct values per ${granularity} and keeps pruned zeros (${int8 ? 'int8' : 'float32'})`, () => {
        const net = weightNet(LAYERS, { int8 });
        const pruned = (pruneMagnitude.run(net.model, { sparsity: 0.5, minElements: 0 }, silentContext) as PassResult).model;
        const before = pruned.buffers.map((b) => b.data.slice());
        const { model, stats } = cluster(pruned, { k: 16, granularity, minElements: 0 });
        pruned.buffers.forEach((b, i) => expect(b.data).toEqual(before[i])); // input untouched
        LAYERS.forEach((l, i) => {
          const w = net.weights[i]!;
          expect(maxDistinct(model, w, l.op, granularity === 'channel')).toBeLessThanOrEqual(16);
          const t = model.subgraphs[0]!.tensors[w]!;
          const was = tensorData(pruned, t);
          const now = tensorData(model, t);
          for (let e = 0; e < was.length; e++) if (was[e] === 0) expect(now[e]).toBe(0);
          const b = model.subgraphs[0]!.tensors[net.biases[i]!]!;
          expect(model.buffers[b.buffer]!.data).toEqual(before[b.buffer]);
        });
        // Clustering is lossy but close: 16 levels of uniform weights give > 20 dB.
        expect(stats.weightSqnrDb as number).toBeGreaterThan(20);
        expect(stats.maxDistinctPerGroup as number).toBeLessThanOrEqual(16);
        // Deterministic.
        const again = cluster(pruned, { k: 16, granularity, minElements: 0 }).model;
        model.buffers.forEach((b, i) => expect(again.buffers[i]!.data).toEqual(b.data));
      });
    }
  }

  it('stores int8 centroids on the int8 grid (values stay integers in range)', () => {
    const net = weightNet(LAYERS, { int8: true });
    const { model } = cluster(net.model, { k: 4, minElements: 0 });
    const d = tensorData(model, model.subgraphs[0]!.tensors[net.weights[2]!]!) as Int8Array;
    expect(d).toBeInstanceOf(Int8Array);
    expect(new Set(d).size).toBeLessThanOrEqual(4);
  });

  it('rejects a bad k', () => {
    const net = weightNet(LAYERS);
    expect(() => cluster(net.model, { k: 1 })).toThrow(RangeError);
    expect(() => cluster(net.model, { k: 0 })).toThrow(RangeError);
    expect(() => cluster(net.model, { k: 0, perLayer: { x: 300 } })).toThrow(RangeError);
  });

  it('takes a cluster count per layer by weight name; 0 or unnamed leaves a layer alone when k is 0', () => {
    const net = weightNet(LAYERS, { int8: true });
    const name = (i: number): string => net.model.subgraphs[0]!.tensors[net.weights[i]!]!.name!;
    // Layer 1 (depthwise, 288 weights) and layer 3 (640) by name; layer 0 named with 0; layer 2 unnamed.
    const { model, stats } = cluster(net.model, { k: 0, perLayer: { [name(0)]: 0, [name(1)]: 4, [name(3)]: 8 } });
    expect(maxDistinct(model, net.weights[1]!, 4, false)).toBeLessThanOrEqual(4);
    expect(maxDistinct(model, net.weights[3]!, 9, false)).toBeLessThanOrEqual(8);
    expect(maxDistinct(model, net.weights[3]!, 9, false)).toBeGreaterThan(4);
    for (const i of [0, 2]) expect(model.buffers[net.model.subgraphs[0]!.tensors[net.weights[i]!]!.buffer]!.data).toEqual(net.model.buffers[net.model.subgraphs[0]!.tensors[net.weights[i]!]!.buffer]!.data);
    expect(stats.perLayer).toEqual({ [name(1)]: 4, [name(3)]: 8 });
    // Unnamed layers get k when it is set.
    const all = cluster(net.model, { k: 16, minElements: 0, perLayer: { [name(3)]: 4 } }).model;
    expect(maxDistinct(all, net.weights[2]!, 3, false)).toBeLessThanOrEqual(16);
    expect(maxDistinct(all, net.weights[2]!, 3, false)).toBeGreaterThan(4);
    expect(maxDistinct(all, net.weights[3]!, 9, false)).toBeLessThanOrEqual(4);
  });
});
