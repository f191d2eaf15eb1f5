/**
 * cluster-weights: weight sharing by 1-D k-means. Each group (a whole weight tensor, or one output
 * channel) ends up with at most `k` distinct stored values, which the Huffman packer turns into
 * ~log2(k) bits per weight.
 *
 * Order with quantization (the pipeline relies on this): the pass runs on whatever the weights are.
 * - On int8/uint8 weights (after int8 or dynamic quantization) it clusters the stored integers and
 *   rounds the centroids to the integer grid, so ≤ k distinct int8 values per group hold exactly in
 *   the final file. This is the order the pipeline uses whenever weights end up int8.
 * - On float32 weights (no quantization, or before float16 conversion) centroids are float32.
 *   Any later elementwise quantization maps k values to ≤ k values, so per-channel groups stay ≤ k.
 *
 * Pruned zeros stay exactly zero: elements equal to the group's zero (0.0 or the zero point) form a
 * fixed cluster of their own and only the others are clustered (into k - 1 centroids).
 * Initialisation is linear (centroids evenly spaced over [min, max]), Lloyd iterations run on the
 * sorted distinct values, and ties go to the lower centroid: the result is deterministic.
 */
import type { Model, Tensor } from '../ir/model.js';
import { TensorType } from '../ir/tensor-type.js';
import type { Pass, PassContext, PassResult } from './pass.js';
import { channelIndexer, outputChannelAxis, prunableLayers, weightValues, type WeightLayer } from './prune-magnitude.js';

export interface ClusterWeightsOptions {
  /**
   * Number of clusters (distinct values) per group, 2..256; 16 or 32 are typical. 0 clusters only
   * the layers `perLayer` names.
   */
  k: number;
  /**
   * Per-layer cluster counts by weight tensor name (2..256, or 0 to leave the layer alone),
   * overriding `k` for those layers. A named layer is clustered even when first, last or small.
   */
  perLayer?: Readonly<Record<string, number>>;
  /** One codebook per tensor (default) or per output channel. */
  granularity?: 'tensor' | 'channel';
  /** Tensors with fewer elements are left alone (default 256). */
  minElements?: number;
  /** Leave the first / last weight layer alone (default false: clustering costs little accuracy). */
  skipFirst?: boolean;
  skipLast?: boolean;
  /** Lloyd iterations at most (default 30). */
  maxIterations?: number;
}

/**
 * 1-D k-means of `values` (ignoring none) into at most `k` centroids; returns the centroid each
 * value maps to. `snap` rounds centroids (e.g. to the int8 grid) before the final assignment.
 */
export function kmeans1d(values: ArrayLike<number>, k: number, maxIterations = 30, snap?: (c: number) => number): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  if (n === 0 || k < 1) return out;
  // Distinct sorted values with counts; clusters are contiguous runs of them.
  const sorted = Float64Array.from(values).sort();
  const uniq: number[] = [];
  const count: number[] = [];
  for (const v of sorted) {
    if (uniq.length > 0 && uniq[uniq.length - 1] === v) count[count.length - 1]!++;
    else {
      uniq.push(v);
      count.push(1);
    }
  }
  let centroids: number[];
  if (uniq.length <= k) {
    centroids = uniq.slice();
  } else {
    const lo = uniq[0]!;
    const hi = uniq[uniq.length - 1]!;
    centroids = Array.from({ length: k }, (_, j) => lo + ((hi - lo) * j) / (k - 1));
    const prefixN = new Float64Array(uniq.length + 1);
    const prefixS = new Float64Array(uniq.length + 1);
    for (let i = 0; i < uniq.length; i++) {
      prefixN[i + 1] = prefixN[i]! + count[i]!;
      prefixS[i + 1] = prefixS[i]! + count[i]! * uniq[i]!;
    }
    for (let it = 0; it < maxIterations; it++) {
      const next: number[] = [];
      let start = 0;
      for (let j = 0; j < centroids.length; j++) {
        // Values up to the midpoint with the next centroid belong to centroid j (ties go low).
        const bound = j + 1 < centroids.length ? (centroids[j]! + centroids[j + 1]!) / 2 : Infinity;
        let end = start;
        while (end < uniq.length && uniq[end]! <= bound) end++;
        const m = prefixN[end]! - prefixN[start]!;
        if (m > 0) next.push((prefixS[end]! - prefixS[start]!) / m); // empty clusters are dropped
        start = end;
      }
      const same = next.length === centroids.length && next.every((c, j) => Math.abs(c - centroids[j]!) <= 1e-12 * (1 + Math.abs(c)));
      centroids = next;
      if (same) break;
    }
  }
  if (snap) centroids = [...new Set(centroids.map(snap))].sort((a, b) => a - b);
  for (let i = 0; i < n; i++) out[i] = nearest(centroids, values[i]!);
  return out;
}

function nearest(sortedCentroids: number[], v: number): number {
  let lo = 0;
  let hi = sortedCentroids.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sortedCentroids[mid + 1]! <= v) lo = mid + 1;
    else hi = mid;
  }
  // Now sortedCentroids[lo] <= v < sortedCentroids[lo+1] (or an end); pick the closer, ties low.
  const a = sortedCentroids[lo]!;
  const b = sortedCentroids[lo + 1];
  if (v < a) return a;
  return b !== undefined && b - v < v - a ? b : a;
}

/** Element indices of each clustering group of a weight tensor. */
function groupsOf(layer: WeightLayer, tensor: Tensor, granularity: 'tensor' | 'channel'): Uint32Array[] {
  const n = layer.elements;
  if (granularity === 'tensor') return [Uint32Array.from({ length: n }, (_, i) => i)];
  const axis = outputChannelAxis(layer);
  const shape = tensor.shape ?? [n];
  const dim = shape[axis] ?? 1;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const members: number[][] = Array.from({ length: dim }, () => []);
  for (let i = 0; i < n; i++) members[Math.floor(i / inner) % dim]!.push(i);
  return members.map((m) => Uint32Array.from(m));
}

export const clusterWeights: Pass<ClusterWeightsOptions> = {
  name: 'cluster-weights',
  run(model: Model, options: ClusterWeightsOptions, ctx: PassContext): PassResult {
    const perLayer = options.perLayer ?? {};
    const checkK = (k: number, zeroOk: boolean, what: string): void => {
      if (!(Number.isInteger(k) && ((k >= 2 && k <= 256) || (zeroOk && k === 0)))) throw new RangeError(`${what} must be an integer in 2..256${zeroOk ? ' (or 0)' : ''}, got ${k}`);
    };
    checkK(options.k, options.perLayer !== undefined, 'cluster count');
    for (const [name, k] of Object.entries(perLayer)) checkK(k, true, `cluster count of ${name}`);
    const granularity = options.granularity ?? 'tensor';
    const sg = model.subgraphs[0];
    const named = new Set<number>();
    sg?.tensors.forEach((t, i) => {
      if (t.name !== undefined && perLayer[t.name] !== undefined) named.add(i);
    });
    const kOf = (tensor: number): number => perLayer[sg!.tensors[tensor]!.name ?? ''] ?? options.k;
    const layers = prunableLayers(
      model,
      { minElements: options.minElements ?? 256, skipFirst: options.skipFirst ?? false, skipLast: options.skipLast ?? false },
      named,
    ).filter((l) => kOf(l.tensor) > 0);
    const warnings: string[] = [];
    if (!sg || layers.length === 0) {
      warnings.push('no weight layer eligible for clustering; model left unchanged');
      return { model, stats: { clusteredTensors: 0 }, warnings };
    }
    const buffers = model.buffers.slice();
    let maxDistinct = 0;
    let elements = 0;
    let sqErr = 0;
    let sqSig = 0;
    const ks = new Set<number>();
    for (const layer of layers) {
      const tensor = sg.tensors[layer.tensor]!;
      const k = kOf(layer.tensor);
      ks.add(k);
      const w = weightValues(model, tensor);
      const isInt = tensor.type !== TensorType.FLOAT32;
      const [qmin, qmax] = tensor.type === TensorType.INT8 ? [-128, 127] : [0, 255];
      const snap = isInt ? (c: number) => Math.min(qmax, Math.max(qmin, Math.round(c))) : (c: number) => Math.fround(c);
      const channelOf = channelIndexer(tensor);
      for (const group of groupsOf(layer, tensor, granularity)) {
        const movable: number[] = [];
        let zeros = 0;
        for (const e of group) {
          if (w.values[e] === w.zeroOf(e)) zeros++;
          else movable.push(e);
        }
        // With a per-channel zero point the "zero" differs per channel inside a tensor group;
        // each of those stays fixed anyway, and they count against k only once per channel.
        const budget = zeros > 0 ? k - distinctZeros(group, w.zeroOf) : k;
        const original = movable.map((e) => w.values[e]!);
        const assigned = kmeans1d(original, Math.max(1, budget), options.maxIterations ?? 30, snap);
        movable.forEach((e, j) => {
          w.values[e] = assigned[j]!;
        });
        const distinct = new Set<number>();
        for (const e of group) distinct.add(w.values[e]!);
        maxDistinct = Math.max(maxDistinct, distinct.size);
        for (let j = 0; j < movable.length; j++) {
          const e = movable[j]!;
          const scale = isInt ? (tensor.quantization?.scale?.[channelOf(e)] ?? 1) : 1;
          sqErr += ((assigned[j]! - original[j]!) * scale) ** 2;
          sqSig += ((original[j]! - w.zeroOf(e)) * scale) ** 2;
        }
      }
      elements += layer.elements;
      buffers[layer.buffer] = { ...buffers[layer.buffer]!, data: new Uint8Array(w.values.buffer, w.values.byteOffset, w.values.byteLength) };
    }
    const sqnrDb = sqErr > 0 ? 10 * Math.log10(sqSig / sqErr) : Infinity;
    const kStat = ks.size === 1 ? [...ks][0]! : Math.max(...ks);
    ctx.log(`cluster-weights: ${layers.length} tensors, k=${ks.size === 1 ? kStat : [...ks].join('/')} per ${granularity}, weight SQNR ${sqnrDb.toFixed(1)} dB`);
    const perLayerStats: Record<string, number> = {};
    if (options.perLayer) for (const l of layers) perLayerStats[sg.tensors[l.tensor]!.name ?? `tensor_${l.tensor}`] = kOf(l.tensor);
    return {
      model: { ...model, buffers },
      stats: { clusteredTensors: layers.length, clusteredElements: elements, k: kStat, ...(options.perLayer ? { perLayer: perLayerStats } : {}), granularity, maxDistinctPerGroup: maxDistinct, weightSqnrDb: Number.isFinite(sqnrDb) ? sqnrDb : 999 },
      warnings,
    };
  },
};

function distinctZeros(group: Uint32Array, zeroOf: (i: number) => number): number {
  const s = new Set<number>();
  for (const e of group) s.add(zeroOf(e));
  return s.size;
}
