/**
 * Byte-level slicing of constant tensors along axes, and decoding of constant values for ranking.
 * Slicing works on raw element bytes so fp32, fp16, int8 and int32 weights are all cut the same way.
 */
import type { Quantization, Tensor } from '../ir/model.js';
import { TensorType, elementSize } from '../ir/tensor-type.js';
import { float16BitsToFloat32 } from '../ir/float16.js';

/** Keeps, along `axis` of a row-major array of `shape`, only the indices in `kept` (ascending). */
export function sliceBytes(data: Uint8Array, shape: readonly number[], bytesPerElement: number, axis: number, kept: readonly number[]): Uint8Array {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const dim = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1) * bytesPerElement;
  if (data.byteLength !== outer * dim * inner) throw new Error(`tensor data has ${data.byteLength} bytes, shape [${shape.join(',')}] needs ${outer * dim * inner}`);
  const out = new Uint8Array(outer * kept.length * inner);
  let w = 0;
  for (let o = 0; o < outer; o++) {
    const base = o * dim * inner;
    for (const k of kept) {
      out.set(data.subarray(base + k * inner, base + (k + 1) * inner), w);
      w += inner;
    }
  }
  return out;
}

/**
 * Per-axis quantization params sliced like the tensor; per-tensor params are left as they are.
 * A rank-1 tensor has only axis 0 whatever its stored quantized_dimension says (old TOCO files
 * write 3 on per-channel biases).
 */
export function sliceQuantization(q: Quantization | undefined, axis: number, kept: readonly number[], rank: number): Quantization | undefined {
  if (q === undefined || (q.scale?.length ?? 0) <= 1) return q;
  if (q.quantizedDimension !== axis && !(rank === 1 && axis === 0)) return q;
  const pick = <T>(v: T[] | undefined): T[] | undefined => (v !== undefined && v.length > 1 ? kept.map((k) => v[k]!) : v);
  const out: Quantization = { ...q };
  if (q.scale !== undefined) out.scale = pick(q.scale);
  if (q.zeroPoint !== undefined) out.zeroPoint = pick(q.zeroPoint);
  if (q.min !== undefined) out.min = pick(q.min);
  if (q.max !== undefined) out.max = pick(q.max);
  return out;
}

/**
 * Real values of a constant tensor (dequantized with its per-tensor or per-axis params), used only
 * to rank channels, so float64 precision and a copy are fine.
 */
export function realValues(tensor: Tensor, data: Uint8Array): Float64Array {
  const size = elementSize(tensor.type);
  if (size < 1 || data.byteLength % size !== 0) throw new Error(`cannot decode tensor type ${tensor.type}`);
  const n = data.byteLength / size;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    switch (tensor.type) {
      case TensorType.FLOAT32: out[i] = view.getFloat32(i * 4, true); break;
      case TensorType.FLOAT16: out[i] = float16BitsToFloat32(view.getUint16(i * 2, true)); break;
      case TensorType.INT8: out[i] = view.getInt8(i); break;
      case TensorType.UINT8: out[i] = view.getUint8(i); break;
      case TensorType.INT16: out[i] = view.getInt16(i * 2, true); break;
      case TensorType.INT32: out[i] = view.getInt32(i * 4, true); break;
      default: throw new Error(`cannot decode tensor type ${tensor.type}`);
    }
  }
  const q = tensor.quantization;
  const scales = q?.scale;
  if (tensor.type !== TensorType.FLOAT32 && tensor.type !== TensorType.FLOAT16 && scales !== undefined && scales.length > 0) {
    const shape = tensor.shape ?? [n];
    const axis = shape.length === 1 ? 0 : q!.quantizedDimension;
    const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const dim = shape[axis] ?? 1;
    for (let i = 0; i < n; i++) {
      const ch = scales.length > 1 ? Math.floor(i / inner) % dim : 0;
      const zp = Number(q!.zeroPoint?.[ch] ?? 0n);
      out[i] = (out[i]! - zp) * scales[ch]!;
    }
  }
  return out;
}
