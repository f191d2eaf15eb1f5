/**
 * Test-only IR models for the weight passes (pruning, clustering): a chain of weighted ops with
 * seeded random weights and biases, float32 or int8 per-channel. Built directly in the IR so the
 * pass tests need neither the reader nor the runtime.
 */
import type { Model, Operator, Tensor } from '../ir/model.js';
import { TensorType } from '../ir/tensor-type.js';
import { prng } from '../util/prng.js';

export interface LayerSpec {
  /** 3 CONV_2D, 4 DEPTHWISE_CONV_2D, 9 FULLY_CONNECTED, 67 TRANSPOSE_CONV. */
  op: number;
  weightShape: number[];
}

export interface WeightNet {
  model: Model;
  /** Weight and bias tensor index of each layer. */
  weights: number[];
  biases: number[];
}

const bytes = (a: Float32Array | Int8Array | Int32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * A chain of `layers` (activation shapes are not meaningful; only the weights matter). With
 * `int8`, weights are per-channel symmetric int8 along the output-channel axis, biases int32.
 */
export function weightNet(layers: LayerSpec[], options: { int8?: boolean; seed?: number } = {}): WeightNet {
  const rand = prng(options.seed ?? 7);
  const model: Model = { version: 3, operatorCodes: [], subgraphs: [{ tensors: [], inputs: [], outputs: [], operators: [] }], buffers: [{ data: new Uint8Array(0) }] };
  const sg = model.subgraphs[0]!;
  const tensor = (t: Omit<Tensor, 'isVariable' | 'hasRank' | 'buffer'>, data?: Uint8Array): number => {
    let buffer = 0;
    if (data) {
      model.buffers.push({ data });
      buffer = model.buffers.length - 1;
    }
    sg.tensors.push({ ...t, buffer, isVariable: false, hasRank: true });
    return sg.tensors.length - 1;
  };
  const opcode = (code: number): number => {
    let i = model.operatorCodes.findIndex((c) => c.builtinCode === code);
    if (i < 0) {
      model.operatorCodes.push({ builtinCode: code, deprecatedBuiltinCode: code, version: 1 });
      i = model.operatorCodes.length - 1;
    }
    return i;
  };
  let x = tensor({ name: 'input', shape: [1, 4], type: options.int8 ? TensorType.INT8 : TensorType.FLOAT32 });
  sg.inputs.push(x);
  const weights: number[] = [];
  const biases: number[] = [];
  layers.forEach((l, li) => {
    const n = l.weightShape.reduce((a, b) => a * b, 1);
    const axis = l.op === 4 ? 3 : 0;
    const channels = l.weightShape[axis]!;
    const w = new Float32Array(n);
    for (let i = 0; i < n; i++) w[i] = rand() * 2 - 1;
    let wt: number;
    let bt: number;
    if (options.int8) {
      const inner = l.weightShape.slice(axis + 1).reduce((a, b) => a * b, 1);
      // Channels of different magnitude, each quantized over its full range (as real converters do).
      for (let i = 0; i < n; i++) w[i]! *= 1 + (Math.floor(i / inner) % channels);
      const maxAbs = new Array<number>(channels).fill(0);
      for (let i = 0; i < n; i++) {
        const c = Math.floor(i / inner) % channels;
        maxAbs[c] = Math.max(maxAbs[c]!, Math.abs(w[i]!));
      }
      const scale = maxAbs.map((m) => (m > 0 ? m / 127 : 1));
      const q = Int8Array.from(w, (v, i) => Math.max(-127, Math.min(127, Math.round(v / scale[Math.floor(i / inner) % channels]!))));
      wt = tensor({ name: `w${li}`, shape: l.weightShape, type: TensorType.INT8, quantization: { scale, zeroPoint: scale.map(() => 0n), quantizedDimension: axis } }, bytes(q));
      bt = tensor({ name: `b${li}`, shape: [channels], type: TensorType.INT32 }, bytes(Int32Array.from({ length: channels }, (_, c) => c * 3 - 5)));
    } else {
      wt = tensor({ name: `w${li}`, shape: l.weightShape, type: TensorType.FLOAT32 }, bytes(w));
      bt = tensor({ name: `b${li}`, shape: [channels], type: TensorType.FLOAT32 }, bytes(Float32Array.from({ length: channels }, () => rand() - 0.5)));
    }
    const y = tensor({ name: `act${li}`, shape: [1, channels], type: options.int8 ? TensorType.INT8 : TensorType.FLOAT32 });
    const inputs = l.op === 67 ? [-1, wt, x, bt] : [x, wt, bt];
    const op: Operator = { opcodeIndex: opcode(l.op), inputs, outputs: [y], customOptionsFormat: 0 };
    sg.operators.push(op);
    weights.push(wt);
    biases.push(bt);
    x = y;
  });
  sg.outputs.push(x);
  return { model, weights, biases };
}
