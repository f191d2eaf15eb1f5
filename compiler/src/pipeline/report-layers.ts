/**
 * Per-layer rows of the report: for every weighted op (and every op left float by int8
 * quantization) of the written model, its shape, parameters, sparsity, bits and codebook size,
 * and where its bytes went — in the original, in the written .tflite and in the packed file.
 */
import { opName, weightTensors } from '../ir/graph.js';
import type { Model, Tensor } from '../ir/model.js';
import { TensorType, tensorTypeName } from '../ir/tensor-type.js';
import { describePacked } from '../pack/describe.js';
import { weightValues } from '../passes/prune-magnitude.js';
import { readModel } from '../tflite/read.js';
import { weightConstant } from './report.js';

export interface LayerRow {
  /** Operator index in subgraph 0 of the written model. */
  opIndex: number;
  op: string;
  /** Weight tensor name ('' for a weightless op kept float). */
  weight: string;
  /** Weight shape, or the output shape of a weightless op. */
  shape: number[];
  /** Weight plus bias elements. */
  params: number;
  /** Stored weight type: FLOAT32, FLOAT16, INT8, ... */
  dtype: string;
  /** Bits per stored weight element. */
  bits: number;
  /** Distinct weight values (the codebook size after clustering). */
  distinctValues: number;
  /** Fraction of weight elements that are zero. */
  sparsity: number;
  /** Weight + bias bytes in the original model (matched by tensor name), when found. */
  bytesBefore?: number;
  /** Weight + bias bytes in the written .tflite. */
  bytesAfter: number;
  /** Share of the packed file spent on these bytes (sections prorated by overlap). */
  packedBytes?: number;
  /** Why the op still computes in float, when the model was quantized and it does. */
  keptFloat?: string;
  /** prune-auto's measured accuracy drop of this layer alone, by candidate sparsity. */
  sensitivity?: Record<string, number>;
}

export interface LayerRowOptions {
  /** The model's quantization mode; 'int8' marks float-computing ops as kept float. */
  quantize?: string;
  /** Kept-float reasons by op name (from quantize-int8's warnings). */
  floatReasons?: ReadonlyMap<string, string>;
  /** prune-auto sensitivities by weight tensor name. */
  sensitivity?: Record<string, Record<string, number>>;
}

const BOUNDARY_OPS = new Set(['QUANTIZE', 'DEQUANTIZE']);

/** quantize-int8 warns "op NAME (Nx) kept float: REASON"; the reasons by op name. */
export function floatReasonsFromWarnings(warnings: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const w of warnings) {
    const m = /^(?:quantize-int8: )?op (\S+) \(\d+x\) kept float: (.*)$/.exec(w);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

const BITS: Partial<Record<number, number>> = { [TensorType.FLOAT32]: 32, [TensorType.FLOAT16]: 16, [TensorType.INT8]: 8, [TensorType.UINT8]: 8, [TensorType.INT4]: 4 };

function elements(t: Tensor | undefined): number {
  return (t?.shape ?? []).reduce((a, b) => a * b, 1);
}

function zerosAndDistinct(model: Model, t: Tensor): { sparsity: number; distinct: number } {
  if (t.type === TensorType.FLOAT16) {
    const d = model.buffers[t.buffer]!.data;
    const bits = new Uint16Array(d.slice().buffer);
    let zeros = 0;
    for (const b of bits) if ((b & 0x7fff) === 0) zeros++;
    return { sparsity: bits.length ? zeros / bits.length : 0, distinct: new Set(bits).size };
  }
  if (t.type !== TensorType.FLOAT32 && t.type !== TensorType.INT8 && t.type !== TensorType.UINT8) return { sparsity: 0, distinct: 0 };
  const v = weightValues(model, t);
  let zeros = 0;
  for (let i = 0; i < v.values.length; i++) if (v.values[i] === v.zeroOf(i)) zeros++;
  return { sparsity: v.values.length ? zeros / v.values.length : 0, distinct: new Set(v.values).size };
}

/** Byte range [start, end) of a constant in the file it was read from (readModel views are zero-copy). */
function fileRange(model: Model, file: Uint8Array, t: Tensor | undefined): [number, number] | undefined {
  const data = t && t.buffer > 0 ? model.buffers[t.buffer]?.data : undefined;
  if (!data || data.byteLength === 0 || data.buffer !== file.buffer) return undefined;
  const start = data.byteOffset - file.byteOffset;
  return [start, start + data.byteLength];
}

/**
 * Bytes of the packed file spent on a decoded range: each section's coded bits per byte times the overlap.
 * Sections inside the shared Brotli stream (format v2) have no payload of their own; they count at the
 * stream's average rate, so their share is an estimate.
 */
function packedShare(sections: ReturnType<typeof describePacked>['sections'], ranges: [number, number][]): number {
  let bytes = 0;
  for (const [a, b] of ranges) {
    for (const s of sections) {
      const lo = Math.max(a, s.decodedOffset);
      const hi = Math.min(b, s.decodedOffset + s.decodedLength);
      if (hi > lo) bytes += (s.bitsPerByte / 8) * (hi - lo);
    }
  }
  return Math.round(bytes);
}

const byteLength = (model: Model, t: Tensor | undefined): number => (t && t.buffer > 0 ? (model.buffers[t.buffer]?.data.byteLength ?? 0) : 0);

/** The original's weight tensor for a written one: same name, else the longest original name it extends (int8 twins add a suffix). */
function originalNamed(byName: ReadonlyMap<string, Tensor>, name: string): Tensor | undefined {
  const exact = byName.get(name);
  if (exact) return exact;
  let best: Tensor | undefined;
  let bestLen = 0;
  for (const [n, t] of byName) if (n.length > bestLen && name.startsWith(n)) [best, bestLen] = [t, n.length];
  return best;
}

/**
 * The rows for `written` (the .tflite bytes) against `original` (its IR, for bytes before);
 * `packed` (the .mlshrink file of `written`) adds each layer's packed bytes.
 */
export function layerRows(written: Uint8Array, original: Model | undefined, packed: Uint8Array | undefined, options: LayerRowOptions = {}): LayerRow[] {
  const model = readModel(written);
  const sg = model.subgraphs[0];
  if (!sg) return [];
  const sections = packed ? describePacked(packed).sections : undefined;
  const originalWeights = new Map<string, Tensor>();
  original?.subgraphs[0]?.operators.forEach((op) => {
    const w = weightTensors(original, 0, op);
    const t = w && weightConstant(original, 0, w.weight);
    const name = w && original.subgraphs[0]!.tensors[w.weight]!.name;
    if (t && name) originalWeights.set(name, t);
  });
  const originalBias = (t: Tensor): number => {
    if (!original) return 0;
    const osg = original.subgraphs[0]!;
    for (const op of osg.operators) {
      const w = weightTensors(original, 0, op);
      if (w && weightConstant(original, 0, w.weight) === t) return byteLength(original, w.bias !== undefined ? osg.tensors[w.bias] : undefined);
    }
    return 0;
  };

  const rows: LayerRow[] = [];
  sg.operators.forEach((op, opIndex) => {
    const name = opName(model, op);
    if (BOUNDARY_OPS.has(name)) return;
    const w = weightTensors(model, 0, op);
    const weight = w ? weightConstant(model, 0, w.weight) : undefined;
    const out = sg.tensors[op.outputs[0] ?? -1];
    const floatCompute = options.quantize === 'int8' && out?.type === TensorType.FLOAT32;
    if (!weight && !floatCompute) return;
    let keptFloat: string | undefined;
    if (floatCompute) keptFloat = options.floatReasons?.get(name) ?? 'computes in float in the written model';
    else if (weight?.type === TensorType.FLOAT32 && options.quantize !== undefined && options.quantize !== 'none') keptFloat = 'weights stay float32';
    if (!weight) {
      rows.push({ opIndex, op: name, weight: '', shape: out?.shape ?? [], params: 0, dtype: tensorTypeName(out?.type ?? 0), bits: BITS[out?.type ?? 0] ?? 0, distinctValues: 0, sparsity: 0, bytesAfter: 0, ...(keptFloat ? { keptFloat } : {}) });
      return;
    }
    const bias = w!.bias !== undefined ? sg.tensors[w!.bias] : undefined;
    const weightName = sg.tensors[w!.weight]!.name ?? `tensor_${w!.weight}`;
    const { sparsity, distinct } = zerosAndDistinct(model, weight);
    const row: LayerRow = {
      opIndex,
      op: name,
      weight: weightName,
      shape: weight.shape ?? [],
      params: elements(weight) + (bias && byteLength(model, bias) > 0 ? elements(bias) : 0),
      dtype: tensorTypeName(weight.type),
      bits: BITS[weight.type] ?? 0,
      distinctValues: distinct,
      sparsity,
      bytesAfter: byteLength(model, weight) + byteLength(model, bias),
    };
    const before = originalNamed(originalWeights, weightName) ?? originalNamed(originalWeights, weight.name ?? '');
    if (before && original) row.bytesBefore = byteLength(original, before) + originalBias(before);
    if (sections) {
      const ranges = [fileRange(model, written, weight), fileRange(model, written, bias)].filter((r): r is [number, number] => r !== undefined);
      row.packedBytes = packedShare(sections, ranges);
    }
    if (keptFloat) row.keptFloat = keptFloat;
    const sens = options.sensitivity?.[weightName] ?? (before?.name ? options.sensitivity?.[before.name] : undefined);
    if (sens) row.sensitivity = sens;
    rows.push(row);
  });
  return rows;
}
