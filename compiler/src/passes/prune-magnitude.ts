/**
 * prune-magnitude: unstructured magnitude pruning. In each eligible weight tensor the smallest
 * |w| become exactly zero (the zero point for quantized weights) until the target sparsity is
 * reached exactly: round(sparsity × elements) zeros, ties broken by element index so the result
 * is deterministic. The model stays dense; the zeros pay off when the packer entropy-codes them.
 *
 * Eligible: the weight (never the bias) of CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED and
 * TRANSPOSE_CONV, stored as constant float32/int8/uint8 data, with at least `minElements`
 * elements; by default the first and last weight layer are skipped because they hurt most.
 */
import { weightTensors } from '../ir/graph.js';
import type { Model, Tensor } from '../ir/model.js';
import { TensorType } from '../ir/tensor-type.js';
import type { Pass, PassContext, PassResult } from './pass.js';

export interface PruneMagnitudeOptions {
  /** Target fraction of zeros in every pruned tensor, in [0, 1). */
  sparsity: number;
  /**
   * Per-layer targets by weight tensor index (subgraph 0); overrides `sparsity` for those layers.
   * A layer named here is pruned even when it is first, last or small (the user asked for it).
   */
  perLayer?: ReadonlyMap<number, number>;
  /**
   * One magnitude threshold across all eligible layers (reaching `sparsity` overall) instead of
   * the same sparsity in each layer. Ignores `perLayer`.
   */
  global?: boolean;
  /** Tensors with fewer elements are left dense (default 256). */
  minElements?: number;
  /** Leave the first weight layer dense (default true). */
  skipFirst?: boolean;
  /** Leave the last weight layer dense (default true). */
  skipLast?: boolean;
}

/** A weight layer in execution order, with what pruning/clustering need to know about it. */
export interface WeightLayer {
  subgraph: number;
  operator: number;
  /** Builtin code of the op (3 CONV_2D, 4 DEPTHWISE_CONV_2D, 9 FULLY_CONNECTED, 67 TRANSPOSE_CONV). */
  opCode: number;
  /** Tensor index of the weight in its subgraph. */
  tensor: number;
  buffer: number;
  elements: number;
  /** Constant float32/int8/uint8 data that a weight pass can edit. */
  editable: boolean;
}

const OUTPUT_CHANNEL_AXIS = new Map<number, number>([
  [3, 0], // CONV_2D [O,H,W,I]
  [4, 3], // DEPTHWISE_CONV_2D [1,H,W,O]
  [9, 0], // FULLY_CONNECTED [O,I]
  [67, 0], // TRANSPOSE_CONV [O,H,W,I]
]);

/** The axis holding the output channels of a weight layer's filter. */
export function outputChannelAxis(layer: WeightLayer): number {
  return OUTPUT_CHANNEL_AXIS.get(layer.opCode) ?? 0;
}

/** Every weight layer of every subgraph, in operator order (each tensor listed once). */
export function weightLayers(model: Model): WeightLayer[] {
  const out: WeightLayer[] = [];
  model.subgraphs.forEach((sg, s) => {
    const seen = new Set<number>();
    sg.operators.forEach((op, o) => {
      const w = weightTensors(model, s, op);
      if (!w || seen.has(w.weight)) return;
      seen.add(w.weight);
      const t = sg.tensors[w.weight]!;
      const elements = (t.shape ?? []).reduce((a, b) => a * b, 1);
      const data = model.buffers[t.buffer]?.data;
      const editable =
        t.buffer > 0 &&
        data !== undefined &&
        EDITABLE_TYPES.has(t.type) &&
        data.byteLength === elements * (t.type === TensorType.FLOAT32 ? 4 : 1);
      out.push({ subgraph: s, operator: o, opCode: model.operatorCodes[op.opcodeIndex]?.builtinCode ?? -1, tensor: w.weight, buffer: t.buffer, elements, editable });
    });
  });
  return out;
}

const EDITABLE_TYPES = new Set<number>([TensorType.FLOAT32, TensorType.INT8, TensorType.UINT8]);

/**
 * Real-valued view of a weight: |value| per element (dequantized with per-channel scales for int8/
 * uint8 so magnitudes compare across channels and layers), and the stored value that means zero.
 */
export interface WeightValues {
  magnitudes: Float64Array;
  /** Stored "zero" per element: 0 for float, the zero point of the element's channel otherwise. */
  zeroOf(i: number): number;
  /** The stored values (a copy), to edit. */
  values: Float32Array | Int8Array | Uint8Array;
}

export function weightValues(model: Model, tensor: Tensor): WeightValues {
  const bytes = model.buffers[tensor.buffer]!.data;
  const copy = bytes.slice();
  if (tensor.type === TensorType.FLOAT32) {
    const values = new Float32Array(copy.buffer, 0, copy.byteLength / 4);
    const magnitudes = Float64Array.from(values, Math.abs);
    return { magnitudes, values, zeroOf: () => 0 };
  }
  const values = tensor.type === TensorType.INT8 ? new Int8Array(copy.buffer) : new Uint8Array(copy.buffer);
  const channelOf = channelIndexer(tensor);
  const q = tensor.quantization;
  const scale = (c: number): number => q?.scale?.[c] ?? q?.scale?.[0] ?? 1;
  const zp = (c: number): number => Number(q?.zeroPoint?.[c] ?? q?.zeroPoint?.[0] ?? 0n);
  const magnitudes = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const c = channelOf(i);
    magnitudes[i] = Math.abs((values[i]! - zp(c)) * scale(c));
  }
  return { magnitudes, values, zeroOf: (i) => zp(channelOf(i)) };
}

/** Element index → index along the quantized dimension (0 for per-tensor quantization). */
export function channelIndexer(tensor: Tensor, axis = tensor.quantization?.quantizedDimension ?? 0): (i: number) => number {
  const shape = tensor.shape ?? [];
  const q = tensor.quantization;
  const perChannel = (q?.scale?.length ?? 0) > 1 || (q?.zeroPoint?.length ?? 0) > 1;
  if (!perChannel || axis >= shape.length) return () => 0;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const dim = shape[axis]!;
  return (i) => Math.floor(i / inner) % dim;
}

/** The layers a pruning run with these options may touch (editable, big enough, not first/last). */
export function prunableLayers(
  model: Model,
  options: Pick<PruneMagnitudeOptions, 'minElements' | 'skipFirst' | 'skipLast'>,
  always: ReadonlySet<number> = new Set(),
): WeightLayer[] {
  const all = weightLayers(model).filter((l) => l.subgraph === 0);
  const minElements = options.minElements ?? 256;
  const buffers = new Set<number>();
  return all.filter((l, i) => {
    if (!l.editable) return false;
    const forced = always.has(l.tensor);
    if (!forced && l.elements < minElements) return false;
    if (!forced && (options.skipFirst ?? true) && i === 0) return false;
    if (!forced && (options.skipLast ?? true) && i === all.length - 1) return false;
    // A buffer shared by two weights is edited once (through its first user).
    if (buffers.has(l.buffer)) return false;
    buffers.add(l.buffer);
    return true;
  });
}

/**
 * Indices (ascending) of the `count` smallest magnitudes; among equal magnitudes the lower index
 * goes first, so the choice is deterministic. A native numeric sort finds the threshold.
 */
function smallest(magnitudes: Float64Array, count: number): Uint32Array {
  const out = new Uint32Array(count);
  if (count === 0) return out;
  const threshold = Float64Array.from(magnitudes).sort()[count - 1]!;
  let below = 0;
  for (const m of magnitudes) if (m < threshold) below++;
  let ties = count - below;
  let n = 0;
  for (let i = 0; i < magnitudes.length && n < count; i++) {
    const m = magnitudes[i]!;
    if (m < threshold || (m === threshold && ties-- > 0)) out[n++] = i;
  }
  return out;
}

function checkSparsity(s: number, what: string): void {
  if (!(s >= 0 && s < 1)) throw new RangeError(`${what} must be in [0, 1), got ${s}`);
}

function bytesOf(values: Float32Array | Int8Array | Uint8Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

function zeroCount(w: WeightValues): number {
  let n = 0;
  for (let i = 0; i < w.values.length; i++) if (w.values[i] === w.zeroOf(i)) n++;
  return n;
}

export const pruneMagnitude: Pass<PruneMagnitudeOptions> = {
  name: 'prune-magnitude',
  run(model: Model, options: PruneMagnitudeOptions, ctx: PassContext): PassResult {
    checkSparsity(options.sparsity, 'sparsity');
    for (const [t, s] of options.perLayer ?? []) checkSparsity(s, `sparsity of tensor ${t}`);
    const layers = prunableLayers(model, options, new Set(options.global ? [] : (options.perLayer?.keys() ?? [])));
    const sg = model.subgraphs[0];
    const warnings: string[] = [];
    if (!sg || layers.length === 0) {
      if (options.sparsity > 0 || (options.perLayer?.size ?? 0) > 0) warnings.push('no weight layer eligible for magnitude pruning; model left unchanged');
      return { model, stats: { prunedTensors: 0, sparsity: 0 }, warnings };
    }
    const values = layers.map((l) => weightValues(model, sg.tensors[l.tensor]!));

    // How many elements of each layer become zero.
    const toZero: Uint32Array[] = [];
    if (options.global) {
      const total = layers.reduce((a, l) => a + l.elements, 0);
      const all = new Float64Array(total);
      let off = 0;
      for (const v of values) {
        all.set(v.magnitudes, off);
        off += v.magnitudes.length;
      }
      const picked = smallest(all, Math.round(options.sparsity * total));
      const starts: number[] = [];
      off = 0;
      for (const l of layers) {
        starts.push(off);
        off += l.elements;
      }
      const perLayer: number[][] = layers.map(() => []);
      for (const g of picked) {
        let li = layers.length - 1;
        while (starts[li]! > g) li--;
        perLayer[li]!.push(g - starts[li]!);
      }
      for (const p of perLayer) toZero.push(Uint32Array.from(p));
    } else {
      layers.forEach((l, i) => {
        const s = options.perLayer?.get(l.tensor) ?? options.sparsity;
        toZero.push(smallest(values[i]!.magnitudes, Math.round(s * l.elements)));
      });
    }

    let next = model;
    const buffers = model.buffers.slice();
    const perLayerStats: Record<string, number> = {};
    let zeros = 0;
    let elements = 0;
    layers.forEach((l, i) => {
      const w = values[i]!;
      for (const e of toZero[i]!) w.values[e] = w.zeroOf(e);
      buffers[l.buffer] = { ...buffers[l.buffer]!, data: bytesOf(w.values) };
      const z = zeroCount(w);
      zeros += z;
      elements += l.elements;
      perLayerStats[sg.tensors[l.tensor]!.name ?? `tensor_${l.tensor}`] = z / l.elements;
    });
    next = { ...model, buffers };
    const sparsity = elements > 0 ? zeros / elements : 0;
    ctx.log(`prune-magnitude: ${layers.length} tensors, ${zeros} of ${elements} weights zero (${(sparsity * 100).toFixed(1)} %)`);
    return { model: next, stats: { prunedTensors: layers.length, prunedElements: elements, sparsity, perLayer: perLayerStats }, warnings };
  },
};
