/**
 * quantize-int4: stores int8 weights as TFLite's packed INT4 (two weights per byte), so the phone
 * holds 4 bits per weight in RAM, not only on disk. Runs after quantize-int8 / quantize-dynamic
 * (and after clustering): each eligible weight is requantized per output channel to the symmetric
 * 4-bit grid [-7, 7] — or kept value for value when a channel already fits [-8, 7] — and int32
 * biases are rescaled to the new weight scales, so the int8 kernels' arithmetic stays consistent.
 *
 * Eligible: the constant int8 weight (zero point 0) of an op whose LiteRT kernel takes INT4 filters
 * in the model's mode (INT4_KERNELS, measured by scripts/int4-kernel-probe.ts); everything else
 * keeps int8, and the stats say why.
 */
import { consumers, ensureOperatorCode, opBuiltinCode, weightTensors } from '../ir/graph.js';
import { INT4_MAX, INT4_MIN, packInt4 } from '../ir/int4.js';
import type { Model, Quantization } from '../ir/model.js';
import { TensorType } from '../ir/tensor-type.js';
import { BuiltinOperator as Op, builtinOpName } from '../tflite/builtin-ops.js';
import { silentContext, type Pass, type PassContext, type PassResult } from './pass.js';
import { roundHalfAway } from './quant-math.js';

export interface QuantizeInt4Options {
  /** Weights with fewer elements stay int8 (their bytes do not matter). Default 256. */
  minElements?: number;
  /**
   * Names of weight tensors to keep int8 (bit width per layer). Names, not op indices: quantize-int8
   * inserts ops, and the names survive it.
   */
  keepInt8?: readonly string[];
}

/** Clip ratios tried per channel; the one with the least squared error wins (4 bits clip outliers). */
const CLIP_RATIOS = [1, 0.95, 0.9, 0.85, 0.8, 0.75, 0.7, 0.65, 0.6];

/**
 * One group of int8 codes (a channel, or a whole tensor) moved to 4 bits: `scale` is the old real
 * step per element, the result's values lie in [-8, 7] with one new scale for the group.
 * Codes that already fit [-8, 7] with a single old scale stay exactly as they are.
 */
function requantizeGroup(codes: Int8Array | number[], oldScales: number[]): { codes: Int8Array; scale: number } {
  const n = codes.length;
  const out = new Int8Array(n);
  const uniformScale = oldScales.every((s) => s === oldScales[0]);
  let fits = uniformScale;
  let maxAbs = 0;
  for (let i = 0; i < n; i++) {
    const q = codes[i]!;
    if (q < INT4_MIN || q > INT4_MAX) fits = false;
    maxAbs = Math.max(maxAbs, Math.abs(q * oldScales[i]!));
  }
  if (fits) {
    out.set(codes);
    return { codes: out, scale: oldScales[0] ?? 1 };
  }
  if (maxAbs === 0) return { codes: out, scale: oldScales[0] ?? 1 };
  let best = { err: Infinity, scale: 1 };
  for (const r of CLIP_RATIOS) {
    const scale = Math.fround((maxAbs * r) / INT4_MAX);
    let err = 0;
    for (let i = 0; i < n; i++) {
      const real = codes[i]! * oldScales[i]!;
      const q = Math.max(-INT4_MAX, Math.min(INT4_MAX, roundHalfAway(real / scale)));
      err += (real - q * scale) ** 2;
    }
    if (err < best.err) best = { err, scale };
  }
  for (let i = 0; i < n; i++) out[i] = Math.max(-INT4_MAX, Math.min(INT4_MAX, roundHalfAway((codes[i]! * oldScales[i]!) / best.scale)));
  return { codes: out, scale: best.scale };
}

/** Element indices of each slice along `axis` of `shape` (a single group for axis -1). */
function groupsAlong(shape: readonly number[], axis: number): number[][] {
  const n = shape.reduce((a, b) => a * b, 1);
  if (axis < 0) return [Array.from({ length: n }, (_, i) => i)];
  const dim = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const groups: number[][] = Array.from({ length: dim }, () => []);
  for (let i = 0; i < n; i++) groups[Math.floor(i / inner) % dim]!.push(i);
  return groups;
}

/**
 * The model with int8 weight `tensor` (subgraph 0) requantized to 4-bit values, still stored as
 * INT8: per channel along its quantized dimension, or with one scale for the whole tensor. Every
 * int32 bias of an op reading the weight is rescaled to the new weight scales.
 */
export function requantizeTo4Bits(model: Model, tensor: number, granularity: 'channel' | 'tensor'): Model {
  const sg = model.subgraphs[0]!;
  const t = sg.tensors[tensor]!;
  const q = t.quantization;
  const shape = t.shape ?? [];
  if (t.type !== TensorType.INT8 || !q?.scale || q.scale.length === 0) throw new Error(`tensor ${tensor} is not a quantized int8 weight`);
  const codes = new Int8Array(model.buffers[t.buffer]!.data.slice().buffer);
  const perChannel = q.scale.length > 1;
  const channelGroups = perChannel ? groupsAlong(shape, q.quantizedDimension) : [Array.from(codes.keys())];
  const channelOfElement = new Int32Array(codes.length);
  channelGroups.forEach((g, c) => g.forEach((i) => (channelOfElement[i] = c)));
  const groups = granularity === 'channel' && perChannel ? channelGroups : [Array.from(codes.keys())];
  const values = new Int8Array(codes.length);
  const scales: number[] = [];
  for (const g of groups) {
    const r = requantizeGroup(
      g.map((i) => codes[i]!),
      g.map((i) => q.scale![channelOfElement[i]!]!),
    );
    g.forEach((i, j) => (values[i] = r.codes[j]!));
    scales.push(r.scale);
  }
  const oldScales = q.scale;
  const newScaleOfChannel = (c: number): number => (scales.length === 1 ? scales[0]! : scales[c]!);
  const quantization: Quantization = { ...q, scale: scales, zeroPoint: scales.map(() => 0n), quantizedDimension: scales.length > 1 ? q.quantizedDimension : 0 };
  const tensors = sg.tensors.slice();
  const buffers = model.buffers.slice();
  tensors[tensor] = { ...t, quantization };
  buffers[t.buffer] = { ...buffers[t.buffer]!, data: new Uint8Array(values.buffer) };
  for (const op of sg.operators) {
    const w = weightTensors(model, 0, op);
    if (w?.weight !== tensor || w.bias === undefined) continue;
    const b = tensors[w.bias]!;
    if (b.type !== TensorType.INT32 || !b.quantization?.scale) continue;
    const bq = b.quantization.scale;
    const bias = new Int32Array(model.buffers[b.buffer]!.data.slice().buffer);
    // bias scale = input scale × weight scale: it follows the weight scale of its channel.
    const channels = bias.length;
    const newBiasScales = Array.from({ length: channels }, (_, c) => Math.fround(((bq[c] ?? bq[0]!) / (oldScales[c] ?? oldScales[0]!)) * newScaleOfChannel(c)));
    const out = Int32Array.from(bias, (v, c) => Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, roundHalfAway((v * (bq[c] ?? bq[0]!)) / newBiasScales[c]!))));
    const uniform = scales.length === 1 && newBiasScales.every((s) => s === newBiasScales[0]);
    const biasScales = uniform ? [newBiasScales[0]!] : newBiasScales;
    tensors[w.bias] = { ...b, quantization: { ...b.quantization, scale: biasScales, zeroPoint: biasScales.map(() => 0n), quantizedDimension: 0 } };
    buffers[b.buffer] = { ...buffers[b.buffer]!, data: new Uint8Array(out.buffer) };
  }
  const subgraphs = model.subgraphs.slice();
  subgraphs[0] = { ...sg, tensors };
  return { ...model, subgraphs, buffers };
}

/** The model with int8 weight `tensor` (values in [-8, 7]) stored as packed INT4; nothing else changes. */
export function int4Layout(model: Model, tensor: number): Model {
  const sg = model.subgraphs[0]!;
  const t = sg.tensors[tensor]!;
  const codes = new Int8Array(model.buffers[t.buffer]!.data.slice().buffer);
  const tensors = sg.tensors.slice();
  const buffers = model.buffers.slice();
  tensors[tensor] = { ...t, type: TensorType.INT4 };
  buffers[t.buffer] = { ...buffers[t.buffer]!, data: packInt4(codes) };
  const subgraphs = model.subgraphs.slice();
  subgraphs[0] = { ...sg, tensors };
  return { ...model, subgraphs, buffers };
}

/**
 * Where LiteRT runs INT4 filters, per op and activation mode, as measured by
 * scripts/int4-kernel-probe.ts (LiteRT.js 2.5.3) and scripts/int4_kernel_probe.py (TF 2.19
 * tf.lite, ai-edge-litert 2.3.0, with and without XNNPACK). `version`: the op version TFLite's
 * converter writes for int8 × int4 (op_version.cc), so a runtime without int4 kernels refuses the
 * model at load instead of misreading the nibbles; hybrid int4 has no version of its own upstream.
 */
interface Int4Rule {
  int8?: { version: number };
  hybrid?: { version?: number; perTensor: boolean };
  /** Why the other mode keeps int8. */
  refusedHybrid?: string;
}

export const INT4_KERNELS: ReadonlyMap<number, Int4Rule> = new Map<number, Int4Rule>([
  // Hybrid per-tensor: TF 2.19's XNNPACK delegate refuses ("unsupported per-tensor quantization scale parameter for INT4 tensor").
  [Op.FULLY_CONNECTED, { int8: { version: 10 }, hybrid: { perTensor: false } }],
  [Op.CONV_2D, { int8: { version: 7 }, hybrid: { perTensor: true } }],
  // Hybrid: Python LiteRT refuses ("Type FLOAT32 with filter type INT4 not currently supported"); LiteRT.js 2.5.3 runs it but misreads the weights.
  [Op.DEPTHWISE_CONV_2D, { int8: { version: 7 }, refusedHybrid: 'no hybrid (float activation) DEPTHWISE_CONV_2D kernel takes int4 filters' }],
]);

const DEFAULT_MIN_ELEMENTS = 256;

export const quantizeInt4: Pass<QuantizeInt4Options> = {
  name: 'quantize-int4',
  run(input: Model, options: QuantizeInt4Options = {}, ctx: PassContext = silentContext): PassResult {
    const sg0 = input.subgraphs[0];
    const keptInt8: Record<string, number> = {};
    const keep = (reason: string): void => void (keptInt8[reason] = (keptInt8[reason] ?? 0) + 1);
    if (!sg0) return { model: input, stats: { int4Tensors: 0 }, warnings: ['model has no subgraph; left unchanged'] };
    const minElements = options.minElements ?? DEFAULT_MIN_ELEMENTS;
    const keepInt8 = new Set(options.keepInt8 ?? []);
    let model = input;
    let tensors = 0;
    let elements = 0;
    let lossless = 0;
    let sqErr = 0;
    let sqSig = 0;
    sg0.operators.forEach((op, o) => {
      const code = opBuiltinCode(input, op);
      const w = weightTensors(input, 0, op);
      if (!w) return;
      const name = builtinOpName(code);
      const t = sg0.tensors[w.weight]!;
      const data = input.buffers[t.buffer]?.data;
      const q = t.quantization;
      const n = (t.shape ?? []).reduce((a, b) => a * b, 1);
      if (t.type !== TensorType.INT8 || !data || data.byteLength !== n || t.sparsity || !q?.scale?.length) return; // float or already int4
      if (keepInt8.has(t.name ?? '')) return keep('kept int8 by request');
      if (n < minElements) return keep(`fewer than ${minElements} weights`);
      if ((q.zeroPoint ?? []).some((z) => z !== 0n)) return keep('asymmetric weights (zero point not 0)');
      const rule = INT4_KERNELS.get(code);
      if (!rule) return keep(`${name}: int4 filters not verified in LiteRT`);
      const activation = sg0.tensors[op.inputs[0] ?? -1]?.type;
      const mode = activation === TensorType.INT8 ? 'int8' : activation === TensorType.FLOAT32 ? 'hybrid' : undefined;
      if (!mode) return keep(`${name}: no int4 kernel for these activations`);
      if (mode === 'hybrid' && !rule.hybrid) return keep(rule.refusedHybrid ?? `${name}: no hybrid int4 kernel`);
      if (mode === 'hybrid' && !rule.hybrid!.perTensor && q.scale.length < 2) return keep(`${name}: hybrid int4 needs per-channel scales`);
      // Shared constants: requantizing for one reader would change the others.
      const readers = (tensor: number): number => consumers(sg0, tensor).length;
      if (readers(w.weight) !== 1 || (w.bias !== undefined && readers(w.bias) !== 1)) return keep('weight or bias shared with another op');
      const before = new Int8Array(data.slice().buffer);
      model = requantizeTo4Bits(model, w.weight, 'channel');
      const after = model.subgraphs[0]!.tensors[w.weight]!.quantization!.scale!;
      const afterCodes = new Int8Array(model.buffers[t.buffer]!.data.slice().buffer);
      const channelOf = channelIndex(t.shape ?? [], q.scale.length > 1 ? q.quantizedDimension : -1);
      let exact = true;
      for (let i = 0; i < n; i++) {
        const c = channelOf(i);
        const real = before[i]! * q.scale[c]!;
        const err = real - afterCodes[i]! * (after[c] ?? after[0]!);
        if (err !== 0) exact = false;
        sqErr += err * err;
        sqSig += real * real;
      }
      if (exact) lossless++;
      model = int4Layout(model, w.weight);
      const version = mode === 'int8' ? rule.int8!.version : rule.hybrid!.version;
      if (version !== undefined && version > (model.operatorCodes[op.opcodeIndex]?.version ?? 1)) model = withOpVersion(model, o, code, version);
      tensors++;
      elements += n;
    });
    if (model !== input) model = withoutUnusedOperatorCodes(model);
    const sqnrDb = sqErr > 0 ? 10 * Math.log10(sqSig / sqErr) : Infinity;
    ctx.log(`quantize-int4: ${tensors} weight tensors to int4 (${lossless} exactly), weight SQNR ${Number.isFinite(sqnrDb) ? sqnrDb.toFixed(1) : '∞'} dB`);
    const warnings = tensors === 0 ? ['no weight could be stored as int4; model left unchanged'] : [];
    return {
      model,
      stats: { int4Tensors: tensors, int4Elements: elements, losslessTensors: lossless, weightSqnrDb: Number.isFinite(sqnrDb) ? sqnrDb : 999, keptInt8 },
      warnings,
    };
  },
};

function channelIndex(shape: readonly number[], axis: number): (i: number) => number {
  if (axis < 0 || axis >= shape.length) return () => 0;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const dim = shape[axis]!;
  return (i) => Math.floor(i / inner) % dim;
}

/** Drops operator codes no op uses any more (an op moved to its int4 version left the old one behind). */
function withoutUnusedOperatorCodes(model: Model): Model {
  const used = new Set(model.subgraphs.flatMap((sg) => sg.operators.map((op) => op.opcodeIndex)));
  if (used.size === model.operatorCodes.length) return model;
  const remap = new Map<number, number>();
  const operatorCodes = model.operatorCodes.filter((_, i) => used.has(i) && (remap.set(i, remap.size), true));
  const subgraphs = model.subgraphs.map((sg) => ({ ...sg, operators: sg.operators.map((op) => ({ ...op, opcodeIndex: remap.get(op.opcodeIndex)! })) }));
  return { ...model, operatorCodes, subgraphs };
}

/** Points op `o` of subgraph 0 at an operator code of `version` (other ops of the same code keep theirs). */
function withOpVersion(model: Model, o: number, code: number, version: number): Model {
  const found = ensureOperatorCode(model, code, version);
  const sg = found.model.subgraphs[0]!;
  const operators = sg.operators.slice();
  operators[o] = { ...operators[o]!, opcodeIndex: found.opcodeIndex };
  const subgraphs = found.model.subgraphs.slice();
  subgraphs[0] = { ...sg, operators };
  return { ...found.model, subgraphs };
}
