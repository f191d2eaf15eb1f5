/**
 * A model summary for `mlshrink inspect`: pure data, so the CLI can print it as a table or JSON and
 * tests can check it against the IR. Counts follow the IR, not the file: shared buffers count once.
 */
import type { Model, Quantization, Tensor } from '../ir/model.js';
import { runtimeWeightBytes } from '../ir/runtime-bytes.js';
import { elementSize, tensorTypeName } from '../ir/tensor-type.js';
import { opName } from '../ir/graph.js';
import { numElements } from '../ir/shape.js';

export interface SubgraphSummary {
  index: number;
  name?: string;
  inputs: number[];
  outputs: number[];
  operators: number;
  tensors: number;
}

export interface SignatureSummary {
  key?: string;
  subgraph: number;
  inputs: { name?: string; tensor: number }[];
  outputs: { name?: string; tensor: number }[];
}

export interface TensorSummary {
  subgraph: number;
  index: number;
  name: string;
  shape: number[] | null;
  /** shape_signature when the file has one that differs from `shape` (-1 = dynamic dimension). */
  shapeSignature?: number[];
  dtype: string;
  /** Human summary, e.g. "per-tensor scale=0.0039 zp=-128", "per-axis(0) x32"; null when not quantized. */
  quantization: string | null;
  /** True when the tensor has constant data (a weight, bias or other constant). */
  constant: boolean;
  /** Constant data bytes in the file (0 for activations). */
  bytes: number;
}

export interface ModelSummary {
  /** Size of the file the model came from. */
  fileBytes: number;
  version: number;
  description?: string;
  subgraphs: SubgraphSummary[];
  signatures: SignatureSummary[];
  /** Operator name → count over all subgraphs, sorted by count (desc) then name. */
  opHistogram: Record<string, number>;
  /** Constant data bytes per tensor dtype; each buffer counted once. */
  weightBytesByDtype: Record<string, number>;
  /** Constant data the runtime holds in RAM once the model is decoded (INT4: half a byte per weight). */
  runtimeWeightBytes: number;
  /** Elements of all constant tensors; each buffer counted once. */
  parameterCount: number;
  tensors: TensorSummary[];
}

export function summarizeModel(model: Model, fileBytes: number): ModelSummary {
  const histogram = new Map<string, number>();
  const weightBytes = new Map<string, number>();
  const seenBuffers = new Set<number>();
  let parameterCount = 0;
  const tensors: TensorSummary[] = [];

  model.subgraphs.forEach((sg, s) => {
    for (const op of sg.operators) {
      const name = opName(model, op);
      histogram.set(name, (histogram.get(name) ?? 0) + 1);
    }
    sg.tensors.forEach((t, i) => {
      const bytes = constantBytes(model, t);
      tensors.push({
        subgraph: s,
        index: i,
        name: t.name ?? '',
        shape: t.shape ? [...t.shape] : null,
        ...(t.shapeSignature && !sameDims(t.shapeSignature, t.shape) ? { shapeSignature: [...t.shapeSignature] } : {}),
        dtype: tensorTypeName(t.type),
        quantization: summarizeQuantization(t.quantization),
        constant: bytes > 0,
        bytes,
      });
      if (bytes > 0 && !seenBuffers.has(t.buffer)) {
        seenBuffers.add(t.buffer);
        const dtype = tensorTypeName(t.type);
        weightBytes.set(dtype, (weightBytes.get(dtype) ?? 0) + bytes);
        parameterCount += constantElements(t, bytes);
      }
    });
  });

  return {
    fileBytes,
    version: model.version,
    ...(model.description !== undefined ? { description: model.description } : {}),
    subgraphs: model.subgraphs.map((sg, index) => ({
      index,
      ...(sg.name !== undefined ? { name: sg.name } : {}),
      inputs: [...sg.inputs],
      outputs: [...sg.outputs],
      operators: sg.operators.length,
      tensors: sg.tensors.length,
    })),
    signatures: (model.signatureDefs ?? []).map((sig) => ({
      ...(sig.signatureKey !== undefined ? { key: sig.signatureKey } : {}),
      subgraph: sig.subgraphIndex,
      inputs: sig.inputs.map((m) => ({ name: m.name, tensor: m.tensorIndex })),
      outputs: sig.outputs.map((m) => ({ name: m.name, tensor: m.tensorIndex })),
    })),
    opHistogram: Object.fromEntries([...histogram].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
    weightBytesByDtype: Object.fromEntries([...weightBytes].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
    runtimeWeightBytes: runtimeWeightBytes(model),
    parameterCount,
    tensors,
  };
}

function constantBytes(model: Model, t: Tensor): number {
  return t.buffer > 0 ? (model.buffers[t.buffer]?.data.byteLength ?? 0) : 0;
}

/** Elements from the shape; from the byte count when the shape is missing or disagrees (e.g. sparse data). */
function constantElements(t: Tensor, bytes: number): number {
  const size = elementSize(t.type);
  const fromBytes = size > 0 ? Math.floor(bytes / size) : 0;
  const fromShape = numElements(t.shape);
  // ceil: an odd count of INT4 values fills its last byte with one padding nibble.
  return t.sparsity || !t.shape || (size > 0 && Math.ceil(fromShape * size) !== bytes) ? fromBytes : fromShape;
}

export function summarizeQuantization(q: Quantization | undefined): string | null {
  if (!q) return null;
  const scales = q.scale ?? [];
  const zps = q.zeroPoint ?? [];
  if (scales.length > 1) return `per-axis(${q.quantizedDimension}) x${scales.length}`;
  if (scales.length === 1) return `per-tensor scale=${formatNumber(scales[0])} zp=${zps.length > 0 ? String(zps[0]) : '0'}`;
  if (q.min?.length || q.max?.length) return `range [${formatNumber(q.min?.[0])}, ${formatNumber(q.max?.[0])}]`;
  return null;
}

function formatNumber(v: number | undefined): string {
  return v === undefined ? '?' : Number(v.toPrecision(4)).toString();
}

function sameDims(a: readonly number[], b: readonly number[] | undefined): boolean {
  return b !== undefined && a.length === b.length && a.every((d, i) => d === b[i]);
}
