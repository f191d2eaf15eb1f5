/**
 * densify-weights: replaces "sparse constant → DENSIFY" by the dense constant, decoded here. MediaPipe's
 * *_sparse models store weights as sparse FLOAT16 (CSR over the last dimension) behind DENSIFY → DEQUANTIZE.
 * LiteRT.js computes that chain correctly only while its XNNPack delegate takes it; the plain DENSIFY kernel
 * leaves garbage (a hand-built model gives other outputs on every load, and calibration sees ±inf), and
 * folding the model's other fp16 weights moved the chain off XNNPack (NaN outputs). Dense constants have
 * neither problem, and every later pass sees ordinary weights.
 * Supported: no block map, identity traversal order, every dimension DENSE except a SPARSE_CSR last one
 * (all sparse tensors of the corpus' MediaPipe models). Anything else is counted and left as it is.
 */
import { dropDeadTensorsAndBuffers, opBuiltinCode } from '../ir/graph.js';
import type { Buffer, Model, Subgraph, Tensor } from '../ir/model.js';
import { elementSize, TensorType } from '../ir/tensor-type.js';
import { BuiltinOperator } from '../tflite/builtin-ops.js';

export interface DensifyResult {
  model: Model;
  densified: number;
  /** DENSIFY ops whose input this decoder does not handle (left in place). */
  unsupported: number;
}

export function densifyWeights(model: Model): DensifyResult {
  const buffers: Buffer[] = model.buffers.slice();
  let densified = 0;
  let unsupported = 0;
  const subgraphs = model.subgraphs.map((sg): Subgraph => {
    const tensors: Tensor[] = sg.tensors.slice();
    const operators = sg.operators.filter((op) => {
      if (opBuiltinCode(model, op) !== BuiltinOperator.DENSIFY) return true;
      const src = sg.tensors[op.inputs[0] ?? -1];
      const dst = op.outputs[0];
      const dense = src && dst !== undefined ? denseBytes(model, src) : undefined;
      if (!dense || tensors[dst!]!.type !== src!.type) {
        unsupported++;
        return true;
      }
      buffers.push({ data: dense });
      const out: Tensor = { ...tensors[dst!]!, buffer: buffers.length - 1, shape: src!.shape!.slice(), hasRank: true };
      delete out.sparsity;
      delete out.shapeSignature;
      tensors[dst!] = out;
      densified++;
      return false;
    });
    return { ...sg, tensors, operators };
  });
  if (densified === 0) return { model, densified, unsupported };
  return { model: dropDeadTensorsAndBuffers({ ...model, subgraphs, buffers }), densified, unsupported };
}

/** The dense little-endian bytes of a sparse constant in the supported format, else undefined. */
export function denseBytes(model: Model, t: Tensor): Uint8Array | undefined {
  const s = t.sparsity;
  const shape = t.shape;
  const data = model.buffers[t.buffer]?.data;
  if (!s || !shape || shape.length === 0 || !data || data.length === 0 || (s.blockMap?.length ?? 0) > 0) return undefined;
  if (t.type !== TensorType.FLOAT16 && t.type !== TensorType.FLOAT32 && t.type !== TensorType.INT8) return undefined;
  const rank = shape.length;
  const dims = s.dimMetadata ?? [];
  if (dims.length !== rank || (s.traversalOrder && s.traversalOrder.some((d, i) => d !== i))) return undefined;
  for (let i = 0; i < rank - 1; i++) if (dims[i]!.format !== 0 || dims[i]!.denseSize !== shape[i]) return undefined;
  const last = dims[rank - 1]!;
  if (last.format !== 1 || !last.arraySegments || !last.arrayIndices) return undefined;
  const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const cols = shape[rank - 1]!;
  const seg = last.arraySegments.values;
  const idx = last.arrayIndices.values;
  const size = elementSize(t.type);
  if (seg.length !== rows + 1 || seg[0] !== 0 || seg[rows] !== idx.length || data.length !== idx.length * size) return undefined;
  const out = new Uint8Array(rows * cols * size);
  for (let r = 0; r < rows; r++) {
    const from = seg[r]!;
    const to = seg[r + 1]!;
    if (to < from) return undefined;
    for (let k = from; k < to; k++) {
      const c = idx[k]!;
      if (c >= cols) return undefined;
      out.set(data.subarray(k * size, (k + 1) * size), (r * cols + c) * size);
    }
  }
  return out;
}
