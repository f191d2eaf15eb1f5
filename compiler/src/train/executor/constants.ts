// Constant tensors of the IR as float data for tfjs: float32 as is, float16 (the usual DEQUANTIZE input
// of MediaPipe models) widened, int8/uint8 dequantized with their scale/zero point.
import type { Model, Tensor } from '../../ir/model.js';
import { tensorData } from '../../ir/graph.js';
import { TensorType } from '../../ir/tensor-type.js';
import { float16BitsToFloat32 } from '../../ir/float16.js';

/** The constant data of `tensor` as float32 values, or undefined when it has none or an unsupported type. */
export function constantAsFloat(model: Model, tensor: Tensor): Float32Array | undefined {
  if (tensor.buffer === 0 || (model.buffers[tensor.buffer]?.data.byteLength ?? 0) === 0) return undefined;
  const data = tensorData(model, tensor);
  switch (tensor.type) {
    case TensorType.FLOAT32:
      return Float32Array.from(data as Float32Array);
    case TensorType.FLOAT16:
      return Float32Array.from(data as Uint16Array, float16BitsToFloat32);
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
