// Constant tensors of the IR as float data for tfjs: float32 as is, float16 (the usual DEQUANTIZE input
// of MediaPipe models) widened, int8/uint8 dequantized with their scale/zero point.
import type { Model, Tensor } from '../../ir/model.js';
import { tensorData } from '../../ir/graph.js';
import { TensorType } from '../../ir/tensor-type.js';

/** IEEE 754 half → float (exact; subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** float → IEEE 754 half bits, round to nearest even (used to write trained fp16 weights back). */
export function floatToHalf(value: number): number {
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    let half = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++;
  return sign | half;
}

/** The constant data of `tensor` as float32 values, or undefined when it has none or an unsupported type. */
export function constantAsFloat(model: Model, tensor: Tensor): Float32Array | undefined {
  if (tensor.buffer === 0 || (model.buffers[tensor.buffer]?.data.byteLength ?? 0) === 0) return undefined;
  const data = tensorData(model, tensor);
  switch (tensor.type) {
    case TensorType.FLOAT32:
      return Float32Array.from(data as Float32Array);
    case TensorType.FLOAT16:
      return Float32Array.from(data as Uint16Array, halfToFloat);
    case TensorType.INT8:
    case TensorType.UINT8: {
      const q = tensor.quantization;
      const scale = q?.scale ?? [1];
      const zero = (q?.zeroPoint ?? [0n]).map(Number);
      // Per-axis parameters repeat every `inner` elements along quantizedDimension.
      const shape = tensor.shape ?? [data.length];
      const axis = scale.length > 1 ? (q?.quantizedDimension ?? 0) : 0;
      const inner = scale.length > 1 ? shape.slice(axis + 1).reduce((a, b) => a * b, 1) : data.length;
      const out = new Float32Array(data.length);
      for (let i = 0; i < data.length; i++) {
        const c = scale.length > 1 ? Math.floor(i / inner) % scale.length : 0;
        out[i] = (Number(data[i]) - (zero[c] ?? 0)) * scale[c];
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** Integer constant data (shapes, axes, paddings, permutations) as plain numbers. */
export function constantAsInts(model: Model, tensor: Tensor): number[] | undefined {
  if (tensor.buffer === 0 || (model.buffers[tensor.buffer]?.data.byteLength ?? 0) === 0) return undefined;
  if (tensor.type !== TensorType.INT32 && tensor.type !== TensorType.INT64) return undefined;
  return Array.from(tensorData(model, tensor) as Int32Array | BigInt64Array, Number);
}
