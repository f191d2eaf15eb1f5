// Builds float32 IR models layer by layer with seeded initial weights, in TFLite layouts and with
// TFLite's SAME-padding output sizes, so a student is a plain Model that writeModel exports and the
// training executor runs.
import type { BuiltinOptions, Model, Operator, Tensor } from '../../ir/model.js';
import { TensorType } from '../../ir/tensor-type.js';
import { BuiltinOperator as Op } from '../../tflite/builtin-ops.js';
import { prng } from '../seeded.js';

const SAME = 0;
const VALID = 1;
export const Act = { NONE: 0, RELU: 1, RELU6: 3 } as const;

const bytesOf = (a: Float32Array | Int32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Uniform in ±sqrt(6 / fanIn) (He uniform): keeps activation scale through ReLU stacks without batch norm. */
function heUniform(count: number, fanIn: number, rand: () => number, gain = 1): Float32Array {
  const limit = gain * Math.sqrt(6 / fanIn);
  return Float32Array.from({ length: count }, () => (rand() * 2 - 1) * limit);
}

export interface ConvSpec {
  out: number;
  kernel?: number;
  stride?: number;
  act?: number;
  /** Scales the initial weights (small for the last conv of a residual branch). */
  gain?: number;
  /** VALID padding (no border) instead of SAME. */
  valid?: boolean;
}

export class IrBuilder {
  readonly model: Model;
  private readonly rand: () => number;
  private count = 0;

  constructor(seed: number, description: string) {
    this.rand = prng(seed);
    this.model = {
      version: 3,
      description,
      operatorCodes: [],
      subgraphs: [{ name: 'main', tensors: [], inputs: [], outputs: [], operators: [] }],
      buffers: [{ data: new Uint8Array(0) }],
    };
  }

  private get sg() {
    return this.model.subgraphs[0];
  }

  shape(t: number): number[] {
    return this.sg.tensors[t].shape ?? [];
  }

  tensor(name: string, shape: number[], data?: Float32Array | Int32Array): number {
    let buffer = 0;
    if (data !== undefined) {
      this.model.buffers.push({ data: bytesOf(data) });
      buffer = this.model.buffers.length - 1;
    }
    const t: Tensor = { name, shape, type: data instanceof Int32Array ? TensorType.INT32 : TensorType.FLOAT32, buffer, isVariable: false, hasRank: true };
    this.sg.tensors.push(t);
    return this.sg.tensors.length - 1;
  }

  input(name: string, shape: number[]): number {
    const t = this.tensor(name, shape);
    this.sg.inputs.push(t);
    return t;
  }

  private name(kind: string): string {
    return `${kind}_${this.count++}`;
  }

  op(code: number, inputs: number[], outputs: number[], options?: BuiltinOptions): void {
    let index = this.model.operatorCodes.findIndex((c) => c.builtinCode === code);
    if (index < 0) {
      this.model.operatorCodes.push({ builtinCode: code, deprecatedBuiltinCode: Math.min(code, 127), version: 1 });
      index = this.model.operatorCodes.length - 1;
    }
    const o: Operator = { opcodeIndex: index, inputs, outputs, customOptionsFormat: 0 };
    if (options !== undefined) o.builtinOptions = options;
    this.sg.operators.push(o);
  }

  private spatial(x: number, stride: number): [number, number, number, number] {
    const [n, h, w, c] = this.shape(x);
    return [n, Math.ceil(h / stride), Math.ceil(w / stride), c];
  }

  private validSpatial(x: number, kernel: number, stride: number): [number, number, number, number] {
    const [n, h, w, c] = this.shape(x);
    return [n, Math.floor((h - kernel) / stride) + 1, Math.floor((w - kernel) / stride) + 1, c];
  }

  conv(x: number, s: ConvSpec): number {
    const k = s.kernel ?? 1, stride = s.stride ?? 1;
    const cin = this.shape(x)[3];
    const name = this.name('conv');
    const w = this.tensor(`${name}/weights`, [s.out, k, k, cin], heUniform(s.out * k * k * cin, k * k * cin, this.rand, s.gain));
    const b = this.tensor(`${name}/bias`, [s.out], new Float32Array(s.out));
    const [n, h, wd] = s.valid === true ? this.validSpatial(x, k, stride) : this.spatial(x, stride);
    const y = this.tensor(name, [n, h, wd, s.out]);
    const fields = { padding: s.valid === true ? VALID : SAME, strideW: stride, strideH: stride, fusedActivationFunction: s.act ?? Act.NONE, dilationWFactor: 1, dilationHFactor: 1, quantizedBiasType: 0 };
    this.op(Op.CONV_2D, [x, w, b], [y], { type: 'Conv2DOptions', fields });
    return y;
  }

  depthwise(x: number, s: Omit<ConvSpec, 'out'>): number {
    const k = s.kernel ?? 3, stride = s.stride ?? 1;
    const c = this.shape(x)[3];
    const name = this.name('dwconv');
    const w = this.tensor(`${name}/weights`, [1, k, k, c], heUniform(k * k * c, k * k, this.rand, s.gain));
    const b = this.tensor(`${name}/bias`, [c], new Float32Array(c));
    const y = this.tensor(name, this.spatial(x, stride));
    const fields = { padding: SAME, strideW: stride, strideH: stride, depthMultiplier: 1, fusedActivationFunction: s.act ?? Act.NONE, dilationWFactor: 1, dilationHFactor: 1 };
    this.op(Op.DEPTHWISE_CONV_2D, [x, w, b], [y], { type: 'DepthwiseConv2DOptions', fields });
    return y;
  }

  maxPool(x: number, kernel: number, stride: number): number {
    const y = this.tensor(this.name('maxpool'), this.spatial(x, stride));
    const fields = { padding: SAME, strideW: stride, strideH: stride, filterWidth: kernel, filterHeight: kernel, fusedActivationFunction: 0 };
    this.op(Op.MAX_POOL_2D, [x], [y], { type: 'Pool2DOptions', fields });
    return y;
  }

  add(a: number, b: number): number {
    const y = this.tensor(this.name('add'), this.shape(a));
    this.op(Op.ADD, [a, b], [y], { type: 'AddOptions', fields: { fusedActivationFunction: 0, potScaleInt16: true } });
    return y;
  }

  /** Global average pool: MEAN over H and W. */
  globalPool(x: number): number {
    const [n, , , c] = this.shape(x);
    const axes = this.tensor(this.name('axes'), [2], Int32Array.of(1, 2));
    const y = this.tensor(this.name('mean'), [n, c]);
    this.op(Op.MEAN, [x, axes], [y], { type: 'ReducerOptions', fields: { keepDims: false } });
    return y;
  }

  dense(x: number, out: number, act: number = Act.NONE): number {
    const [n, cin] = this.shape(x);
    const name = this.name('fc');
    const limit = Math.sqrt(6 / (cin + out));
    const w = this.tensor(`${name}/weights`, [out, cin], Float32Array.from({ length: out * cin }, () => (this.rand() * 2 - 1) * limit));
    const b = this.tensor(`${name}/bias`, [out], new Float32Array(out));
    const y = this.tensor(name, [n, out]);
    const fields = { fusedActivationFunction: act, weightsFormat: 0, keepNumDims: false, asymmetricQuantizeInputs: false, quantizedBiasType: 0 };
    this.op(Op.FULLY_CONNECTED, [x, w, b], [y], { type: 'FullyConnectedOptions', fields });
    return y;
  }

  reshape(x: number, shape: number[]): number {
    const s = this.tensor(this.name('shape'), [shape.length], Int32Array.from(shape));
    const y = this.tensor(this.name('reshape'), shape);
    this.op(Op.RESHAPE, [x, s], [y], { type: 'ReshapeOptions', fields: { newShape: shape } });
    return y;
  }

  transpose(x: number, perm: number[]): number {
    const p = this.tensor(this.name('perm'), [perm.length], Int32Array.from(perm));
    const xs = this.shape(x);
    const y = this.tensor(this.name('transpose'), perm.map((d) => xs[d]));
    this.op(Op.TRANSPOSE, [x, p], [y]);
    return y;
  }

  concat(parts: number[], axis: number): number {
    const shape = [...this.shape(parts[0])];
    shape[axis] = parts.reduce((n, t) => n + this.shape(t)[axis], 0);
    const y = this.tensor(this.name('concat'), shape);
    this.op(Op.CONCATENATION, parts, [y], { type: 'ConcatenationOptions', fields: { axis, fusedActivationFunction: 0 } });
    return y;
  }

  split(x: number, parts: number, axis: number): number[] {
    const a = this.tensor(this.name('axis'), [], Int32Array.of(axis));
    const shape = [...this.shape(x)];
    shape[axis] /= parts;
    const ys = Array.from({ length: parts }, () => this.tensor(this.name('split'), shape));
    this.op(Op.SPLIT, [a, x], ys, { type: 'SplitOptions', fields: { numSplits: parts } });
    return ys;
  }

  softmax(x: number): number {
    const y = this.tensor(this.name('softmax'), this.shape(x));
    this.op(Op.SOFTMAX, [x], [y], { type: 'SoftmaxOptions', fields: { beta: 1 } });
    return y;
  }

  finish(outputs: number[], names?: string[]): Model {
    outputs.forEach((t, i) => {
      if (names?.[i] !== undefined) this.sg.tensors[t].name = names[i];
    });
    this.sg.outputs.push(...outputs);
    return this.model;
  }
}

/** Channels scaled by a width multiplier, rounded to a multiple of `divisor` and never below 90 % of the target. */
export function scaledChannels(channels: number, width: number, divisor = 8): number {
  const v = channels * width;
  let out = Math.max(divisor, Math.floor(v / divisor + 0.5) * divisor);
  if (out < 0.9 * v) out += divisor;
  return out;
}
