/**
 * Copies a model into the form LiteRT.js 2.5.3 accepts, changing nothing a kernel computes with:
 * - a dynamic `shape_signature` (-1, usually the batch) is pinned to the static `shape`, because
 *   LiteRT.js cannot size I/O buffers for dynamic dimensions;
 * - `quantized_dimension` is reset to 0 where 0 is the only meaningful axis: per-tensor quantization
 *   (one scale) and rank-1 tensors (per-channel biases). LiteRT requires the axis to be < rank; old
 *   TOCO output (e.g. person_detect) writes 3 on its rank-1 biases.
 * Buffers are shared with the input model, not copied.
 */
import { ByteBuffer } from 'flatbuffers';
import type { Model, Tensor } from '../ir/model.js';

export function prepareForLiteRt(model: Model): Model {
  return {
    ...model,
    subgraphs: model.subgraphs.map((sg) => ({ ...sg, tensors: sg.tensors.map(prepareTensor) })),
  };
}

function prepareTensor(tensor: Tensor): Tensor {
  let out = tensor;
  if (tensor.shapeSignature?.some((d) => d < 0) && tensor.shape) {
    out = { ...out, shapeSignature: [...tensor.shape] };
  }
  const q = tensor.quantization;
  if (q && needsAxisReset(q.quantizedDimension, q.scale?.length ?? 0, tensor.shape?.length)) {
    out = { ...out, quantization: { ...q, quantizedDimension: 0 } };
  }
  return out;
}

function needsAxisReset(axis: number, scales: number, rank: number | undefined): boolean {
  return axis !== 0 && (scales <= 1 || rank === 1);
}

/** True when prepareForLiteRt would change something (the model as-is would be refused). */
export function needsLiteRtPreparation(model: Model): boolean {
  const prepared = prepareForLiteRt(model);
  return prepared.subgraphs.some((sg, i) => sg.tensors.some((t, j) => t !== model.subgraphs[i].tensors[j]));
}

/**
 * The same two fixes applied in place to a copy of the file's bytes, without re-serializing: lets a
 * test run an original third-party file in LiteRT without trusting our own writer.
 * Only fields that exist in the file are patched (both fixes rewrite values, never layout).
 */
export function prepareBytesForLiteRt(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  const bb = new ByteBuffer(copy);
  const field = (table: number, id: number): number => bb.__offset(table, 4 + 2 * id);
  const vectorOf = (table: number, id: number): { start: number; length: number } | undefined => {
    const o = field(table, id);
    return o ? { start: bb.__vector(table + o), length: bb.__vector_len(table + o) } : undefined;
  };
  const tablesOf = (table: number, id: number): number[] => {
    const v = vectorOf(table, id);
    return v ? Array.from({ length: v.length }, (_, i) => bb.__indirect(v.start + 4 * i)) : [];
  };
  const model = bb.readUint32(0);
  for (const subgraph of tablesOf(model, 2)) {
    for (const tensor of tablesOf(subgraph, 0)) {
      const shape = vectorOf(tensor, 0);
      const signature = vectorOf(tensor, 7);
      if (shape && signature && shape.length === signature.length) {
        for (let i = 0; i < signature.length; i++) {
          if (bb.readInt32(signature.start + 4 * i) < 0) bb.writeInt32(signature.start + 4 * i, bb.readInt32(shape.start + 4 * i));
        }
      }
      const q = field(tensor, 4);
      if (!q) continue;
      const quant = bb.__indirect(tensor + q);
      const dim = field(quant, 6);
      const scales = vectorOf(quant, 2)?.length ?? 0;
      if (dim && needsAxisReset(bb.readInt32(quant + dim), scales, shape?.length)) bb.writeInt32(quant + dim, 0);
    }
  }
  return copy;
}
