/**
 * Test-only builder of small float32 conv nets in the IR, with seeded random weights, for cases
 * the fixture models do not cover (residual ADDs, channel concatenation, flatten into FC, ...).
 */
import type { BuiltinOptions, Model, Operator, Subgraph, Tensor } from '../ir/model.js';
import { TensorType } from '../ir/tensor-type.js';

/** Deterministic uniform [-1, 1) values (mulberry32). */
export function seededValues(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

const bytesOf = (a: Float32Array | Int32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export class NetBuilder {
  private readonly sg: Subgraph = { tensors: [], inputs: [], outputs: [], operators: [] };
  private readonly model: Model = { version: 3, operatorCodes: [], subgraphs: [this.sg], buffers: [{ data: new Uint8Array(0) }] };
  private seed = 1;

  shape(t: number): number[] {
    return this.sg.tensors[t]!.shape!;
  }

  private tensor(shape: number[], buffer = 0, type: TensorType = TensorType.FLOAT32): number {
    const t: Tensor = { name: `t${this.sg.tensors.length}`, shape, type, buffer, isVariable: false, hasRank: true };
    this.sg.tensors.push(t);
    return this.sg.tensors.length - 1;
  }

  input(shape: number[]): number {
    const t = this.tensor(shape);
    this.sg.inputs.push(t);
    return t;
  }

  output(t: number): void {
    this.sg.outputs.push(t);
  }

  act(shape: number[]): number {
    return this.tensor(shape);
  }

  constant(shape: number[], values?: Float32Array | Int32Array, scale = 0.5): number {
    const n = shape.reduce((a, b) => a * b, 1);
    let data = values;
    if (data === undefined) {
      data = seededValues(n, this.seed++);
      for (let i = 0; i < n; i++) data[i]! *= scale;
    }
    this.model.buffers.push({ data: bytesOf(data) });
    return this.tensor(shape, this.model.buffers.length - 1, data instanceof Int32Array ? TensorType.INT32 : TensorType.FLOAT32);
  }

  op(code: number, inputs: number[], outputs: number[], options?: BuiltinOptions): void {
    let index = this.model.operatorCodes.findIndex((c) => c.builtinCode === code);
    if (index < 0) {
      this.model.operatorCodes.push({ builtinCode: code, deprecatedBuiltinCode: Math.min(code, 127), version: 1 });
      index = this.model.operatorCodes.length - 1;
    }
    const op: Operator = { opcodeIndex: index, inputs, outputs, customOptionsFormat: 0 };
    if (options !== undefined) op.builtinOptions = options;
    this.sg.operators.push(op);
  }

  /** CONV_2D, SAME padding, with bias; `act` is the fused activation (0 none, 1 RELU, 3 RELU6). */
  conv(x: number, outC: number, k = 3, stride = 1, act = 1): number {
    const [n, h, w, c] = this.shape(x) as [number, number, number, number];
    const y = this.act([n, Math.ceil(h / stride), Math.ceil(w / stride), outC]);
    const fields = { padding: 0, strideW: stride, strideH: stride, fusedActivationFunction: act, dilationWFactor: 1, dilationHFactor: 1 };
    this.op(3, [x, this.constant([outC, k, k, c]), this.constant([outC])], [y], { type: 'Conv2DOptions', fields });
    return y;
  }

  depthwise(x: number, k = 3, act = 1): number {
    const [n, h, w, c] = this.shape(x) as [number, number, number, number];
    const y = this.act([n, h, w, c]);
    const fields = { padding: 0, strideW: 1, strideH: 1, depthMultiplier: 1, fusedActivationFunction: act, dilationWFactor: 1, dilationHFactor: 1 };
    this.op(4, [x, this.constant([1, k, k, c]), this.constant([c])], [y], { type: 'DepthwiseConv2DOptions', fields });
    return y;
  }

  /** TRANSPOSE_CONV upsampling by `stride` with SAME padding and a bias. */
  transposeConv(x: number, outC: number, k = 3, stride = 2): number {
    const [n, h, w, c] = this.shape(x) as [number, number, number, number];
    const outShape = [n, h * stride, w * stride, outC];
    const y = this.act(outShape);
    const fields = { padding: 0, strideW: stride, strideH: stride, fusedActivationFunction: 0 };
    this.op(67, [this.constant([4], new Int32Array(outShape)), this.constant([outC, k, k, c]), x, this.constant([outC])], [y], { type: 'TransposeConvOptions', fields });
    return y;
  }

  maxPool(x: number): number {
    const [n, h, w, c] = this.shape(x) as [number, number, number, number];
    const y = this.act([n, Math.floor(h / 2), Math.floor(w / 2), c]);
    const fields = { padding: 1, strideW: 2, strideH: 2, filterWidth: 2, filterHeight: 2, fusedActivationFunction: 0 };
    this.op(17, [x], [y], { type: 'Pool2DOptions', fields });
    return y;
  }

  unary(code: number, x: number): number {
    const y = this.act([...this.shape(x)]);
    this.op(code, [x], [y]);
    return y;
  }

  add(a: number, b: number): number {
    const y = this.act([...this.shape(a)]);
    this.op(0, [a, b], [y], { type: 'AddOptions', fields: { fusedActivationFunction: 0, potScaleInt16: true } });
    return y;
  }

  mul(a: number, b: number): number {
    const y = this.act([...this.shape(a)]);
    this.op(18, [a, b], [y], { type: 'MulOptions', fields: { fusedActivationFunction: 0 } });
    return y;
  }

  /** MUL by a per-channel constant (a folded batch-norm scale), constant first as some converters emit it. */
  scale(x: number): number {
    const s = this.shape(x);
    const y = this.act([...s]);
    this.op(18, [this.constant([s[s.length - 1]!], undefined, 1), x], [y], { type: 'MulOptions', fields: { fusedActivationFunction: 0 } });
    return y;
  }

  pad(x: number, p = 1): number {
    const [n, h, w, c] = this.shape(x) as [number, number, number, number];
    const y = this.act([n, h + 2 * p, w + 2 * p, c]);
    this.op(34, [x, this.constant([4, 2], new Int32Array([0, 0, p, p, p, p, 0, 0]))], [y], { type: 'PadOptions', fields: {} });
    return y;
  }

  /** Zero channels added before/after the existing ones (a widening residual shortcut). */
  padChannels(x: number, before: number, after: number): number {
    const [n, h, w, c] = this.shape(x) as [number, number, number, number];
    const y = this.act([n, h, w, c + before + after]);
    this.op(34, [x, this.constant([4, 2], new Int32Array([0, 0, 0, 0, 0, 0, before, after]))], [y], { type: 'PadOptions', fields: {} });
    return y;
  }

  concat(xs: number[]): number {
    const s = [...this.shape(xs[0]!)];
    s[3] = xs.reduce((sum, x) => sum + this.shape(x)[3]!, 0);
    const y = this.act(s);
    this.op(2, xs, [y], { type: 'ConcatenationOptions', fields: { axis: 3, fusedActivationFunction: 0 } });
    return y;
  }

  /** MEAN over H and W, keeping dims: [N,H,W,C] → [N,1,1,C]. */
  mean(x: number): number {
    const [n, , , c] = this.shape(x) as [number, number, number, number];
    const y = this.act([n, 1, 1, c]);
    this.op(40, [x, this.constant([2], new Int32Array([1, 2]))], [y], { type: 'ReducerOptions', fields: { keepDims: true } });
    return y;
  }

  reshape(x: number, shape: number[]): number {
    const y = this.act(shape);
    this.op(22, [x, this.constant([shape.length], new Int32Array(shape))], [y], { type: 'ReshapeOptions', fields: { newShape: shape } });
    return y;
  }

  flatten(x: number): number {
    const s = this.shape(x);
    return this.reshape(x, [s[0]!, s.slice(1).reduce((a, b) => a * b, 1)]);
  }

  fc(x: number, units: number, act = 0): number {
    const s = this.shape(x);
    const inFeatures = s.slice(1).reduce((a, b) => a * b, 1);
    const y = this.act([s[0]!, units]);
    const fields = { fusedActivationFunction: act, weightsFormat: 0, keepNumDims: false, asymmetricQuantizeInputs: false };
    this.op(9, [x, this.constant([units, inFeatures], undefined, 0.2), this.constant([units])], [y], { type: 'FullyConnectedOptions', fields });
    return y;
  }

  softmax(x: number): number {
    const y = this.act([...this.shape(x)]);
    this.op(25, [x], [y], { type: 'SoftmaxOptions', fields: { beta: 1 } });
    return y;
  }

  build(): Model {
    return this.model;
  }
}

/**
 * A small net touching every propagation rule: conv → depthwise → conv, a residual ADD, PAD, a
 * per-channel MUL, channel concatenation, max pool, flatten → FC → FC → softmax, plus a
 * squeeze-excite-like MEAN branch.
 */
export function syntheticConvNet(): Model {
  const b = new NetBuilder();
  const x = b.input([1, 12, 12, 3]);
  const c1 = b.conv(x, 16);
  const d1 = b.depthwise(c1);
  const c2 = b.conv(d1, 16, 1, 1, 0);
  const r = b.add(c2, c1); // residual: c1 and c2 must lose the same channels
  const m = b.scale(b.unary(21 /* RELU6 */, r));
  const p = b.pad(m);
  const c3 = b.conv(p, 12, 3, 2);
  const c4 = b.conv(b.maxPool(b.pad(c1)), 8, 1);
  const cat = b.concat([c3, c4]); // [1,6,6,20]
  const c5 = b.conv(cat, 24, 3, 1);
  // Squeeze-excite gate: the expanding conv must drop the same channels as c5.
  const se = b.conv(b.conv(b.mean(c5), 6, 1, 1, 1), 24, 1, 1, 0);
  const gated = b.mul(c5, b.unary(14 /* LOGISTIC */, se));
  const f1 = b.fc(b.flatten(b.maxPool(gated)), 32, 1);
  const out = b.softmax(b.fc(f1, 10));
  b.output(out);
  return b.build();
}

/** conv → pool → conv → pool → flatten → FC → FC → softmax: the Fashion-MNIST reference shape. */
export function syntheticConvChain(): Model {
  const b = new NetBuilder();
  const x = b.input([1, 28, 28, 1]);
  const c1 = b.maxPool(b.conv(x, 16));
  const c2 = b.maxPool(b.conv(c1, 32));
  const f1 = b.fc(b.flatten(c2), 64, 1);
  b.output(b.softmax(b.fc(f1, 10)));
  return b.build();
}

/** BlazeFace-style blocks whose shortcut zero-pads channels: 8 → 12 → 16 channels. */
export function syntheticPaddedResidual(): Model {
  const b = new NetBuilder();
  const x = b.input([1, 8, 8, 3]);
  const a = b.conv(x, 8);
  const y1 = b.unary(19 /* RELU */, b.add(b.conv(b.depthwise(a), 12, 1, 1, 0), b.padChannels(a, 0, 4)));
  const y2 = b.unary(19 /* RELU */, b.add(b.conv(b.depthwise(y1), 16, 1, 2, 0), b.padChannels(b.maxPool(y1), 2, 2)));
  b.output(b.conv(y2, 4, 1, 1, 0));
  return b.build();
}

/** An encoder-decoder: conv → conv (stride 2) → TRANSPOSE_CONV back up → conv head. */
export function syntheticDecoder(): Model {
  const b = new NetBuilder();
  const x = b.input([1, 8, 8, 3]);
  const e = b.conv(b.conv(x, 8), 16, 3, 2);
  const d = b.unary(19 /* RELU */, b.transposeConv(e, 12));
  b.output(b.conv(d, 2, 1, 1, 0));
  return b.build();
}
