/**
 * quantize-float16: stores float32 constants as FLOAT16 and puts a DEQUANTIZE in front of their
 * users, the TFLite converter's float16 scheme. The original tensor keeps its index and name and
 * becomes the DEQUANTIZE output, so every consumer is rewired for free; the DEQUANTIZE ops run
 * first (their inputs are constants), which LiteRT evaluates once at prepare time.
 * A constant whose values do not survive float16 stays float32: an epsilon such as 1e-10 in
 * MAXIMUM(x, eps) → LOG would underflow to 0 and turn the output into -inf, and values beyond
 * ±65504 would become inf. Such constants are judged as a whole (relative RMS error), so a weight
 * tensor with a few negligible tiny entries is still converted.
 */
import { dropDeadTensorsAndBuffers, ensureOperatorCode, tensorData } from '../ir/graph.js';
import type { Buffer, Model, Operator, Subgraph, Tensor } from '../ir/model.js';
import { TensorType } from '../ir/tensor-type.js';
import { BuiltinOperator } from '../tflite/builtin-ops.js';
import type { Pass, PassResult } from './pass.js';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../ir/float16.js';

/**
 * Largest relative RMS error (‖fp16 − fp32‖ / ‖fp32‖) a constant may get from the conversion. Round to
 * nearest float16 errs by at most 2^-11 relative per normal value, so a tensor of normal-range values
 * stays far below this; only underflow (to 0 / subnormals) or overflow (to inf) gets near it.
 */
const MAX_RELATIVE_ERROR = 2 ** -8;

export interface QuantizeFloat16Options {
  /** Constants with fewer elements stay float32 (default 1: convert all). */
  minElements?: number;
  /** Convert only subgraph-0 constants with these names (mixed precision: the layers kept float). */
  onlyNames?: readonly string[];
}

export const quantizeFloat16: Pass<QuantizeFloat16Options> = {
  name: 'quantize-float16',
  run(model: Model, options: QuantizeFloat16Options = {}): PassResult {
    const minElements = options.minElements ?? 1;
    const buffers: Buffer[] = model.buffers.slice();
    const halfBuffers = new Map<number, number>();
    const { model: withCode, opcodeIndex } = ensureOperatorCode(model, BuiltinOperator.DEQUANTIZE, 1);
    let converted = 0;
    let bytesBefore = 0;
    let bytesAfter = 0;
    const kept: string[] = [];

    const only = options.onlyNames ? new Set(options.onlyNames) : undefined;
    const subgraphs = withCode.subgraphs.map((sg, s): Subgraph => {
      const tensors: Tensor[] = sg.tensors.slice();
      const dequantizes: Operator[] = [];
      const used = new Set<number>(sg.operators.flatMap((op) => op.inputs));
      sg.tensors.forEach((t, i) => {
        if (t.type !== TensorType.FLOAT32 || t.buffer <= 0 || t.isVariable || t.sparsity || !used.has(i)) return;
        if (only && (s !== 0 || !only.has(t.name ?? ''))) return;
        const values = tensorData(model, t) as Float32Array;
        if (values.length === 0 || values.length < minElements) return;
        let half = halfBuffers.get(t.buffer);
        if (half === undefined) {
          const bits = new Uint16Array(values.length);
          for (let k = 0; k < values.length; k++) bits[k] = float32ToFloat16Bits(values[k]!);
          if (!survivesFloat16(values, bits)) {
            kept.push(t.name ?? `tensor_${i}`);
            return;
          }
          buffers.push({ data: new Uint8Array(bits.buffer) });
          half = buffers.length - 1;
          halfBuffers.set(t.buffer, half);
          bytesBefore += values.byteLength;
          bytesAfter += bits.byteLength;
        }
        const fp16: Tensor = { ...t, type: TensorType.FLOAT16, buffer: half, name: `${t.name ?? `tensor_${i}`}_fp16` };
        delete fp16.quantization;
        tensors.push(fp16);
        tensors[i] = { ...t, buffer: 0 };
        dequantizes.push({ opcodeIndex, inputs: [tensors.length - 1], outputs: [i], customOptionsFormat: 0 });
        converted++;
      });
      return { ...sg, tensors, operators: [...dequantizes, ...sg.operators] };
    });

    const warnings = kept.length === 0 ? [] : [`kept ${kept.length} constant(s) float32 whose values float16 cannot hold: ${kept.slice(0, 5).join(', ')}${kept.length > 5 ? ', …' : ''}`];
    if (converted === 0) return { model, stats: { convertedTensors: 0, keptFloat32: kept.length }, warnings };
    const out = dropDeadTensorsAndBuffers({ ...withCode, subgraphs, buffers });
    return {
      model: out,
      stats: { convertedTensors: converted, keptFloat32: kept.length, weightBytesBefore: bytesBefore, weightBytesAfter: bytesAfter },
      warnings,
    };
  },
};

/** True when the float16 rounding keeps every finite value finite and the tensor's relative RMS error small. */
export function survivesFloat16(values: Float32Array, bits: Uint16Array): boolean {
  let ref = 0;
  let err = 0;
  for (let k = 0; k < values.length; k++) {
    const v = values[k]!;
    const h = float16BitsToFloat32(bits[k]!);
    if (!Number.isFinite(v)) continue; // inf/NaN map to themselves
    if (!Number.isFinite(h)) return false;
    ref += v * v;
    err += (h - v) * (h - v);
  }
  return err <= ref * MAX_RELATIVE_ERROR * MAX_RELATIVE_ERROR;
}
