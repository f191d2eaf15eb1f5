/**
 * quantize-float16: stores float32 constants as FLOAT16 and puts a DEQUANTIZE in front of their
 * users, the TFLite converter's float16 scheme. The original tensor keeps its index and name and
 * becomes the DEQUANTIZE output, so every consumer is rewired for free; the DEQUANTIZE ops run
 * first (their inputs are constants), which LiteRT evaluates once at prepare time.
 */
import { dropDeadTensorsAndBuffers, ensureOperatorCode, tensorData } from '../ir/graph.js';
import type { Buffer, Model, Operator, Subgraph, Tensor } from '../ir/model.js';
import { TensorType } from '../ir/tensor-type.js';
import { BuiltinOperator } from '../tflite/builtin-ops.js';
import type { Pass, PassResult } from './pass.js';
import { float32ToFloat16Bits } from '../ir/float16.js';

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

    const only = options.onlyNames ? new Set(options.onlyNames) : undefined;
    const subgraphs = withCode.subgraphs.map((sg, s): Subgraph => {
      const tensors: Tensor[] = sg.tensors.slice();
      const dequantizes: Operator[] = [];
      const used = new Set<number>(sg.operators.flatMap((op) => op.inputs));
      sg.tensors.forEach((t, i) => {
        if (t.type !== TensorType.FLOAT32 || t.buffer <= 0 || t.isVariable || !used.has(i)) return;
        if (only && (s !== 0 || !only.has(t.name ?? ''))) return;
        const values = tensorData(model, t) as Float32Array;
        if (values.length === 0 || values.length < minElements) return;
        let half = halfBuffers.get(t.buffer);
        if (half === undefined) {
          const bits = new Uint16Array(values.length);
          for (let k = 0; k < values.length; k++) bits[k] = float32ToFloat16Bits(values[k]!);
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

    if (converted === 0) return { model, stats: { convertedTensors: 0 }, warnings: [] };
    const out = dropDeadTensorsAndBuffers({ ...withCode, subgraphs, buffers });
    return { model: out, stats: { convertedTensors: converted, weightBytesBefore: bytesBefore, weightBytesAfter: bytesAfter }, warnings: [] };
  },
};
