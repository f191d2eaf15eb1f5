// TFLite builtin operators as tfjs functions (float, NHWC). Every kernel is composed from tfjs ops so
// gradients flow through it. Layout facts: CONV_2D filters OHWI, DEPTHWISE_CONV_2D 1HW(C·M), FULLY_CONNECTED
// [out, in]; TFLite's SAME padding (pad_before = floor(total / 2)) is TensorFlow's, which tfjs implements.
import type * as tfjs from '@tensorflow/tfjs';
import { tf } from '../backend.js';
import type { OptionTable } from '../../ir/model.js';
import { BuiltinOperator as Op } from '../../tflite/builtin-ops.js';

/** What an op kernel can ask about the operator being executed. */
export interface OpContext {
  /** Value of the op's i-th input (an activation, a constant or a trainable variable). */
  input(i: number): tfjs.Tensor;
  /** Whether input i is present (not the omitted-optional -1). */
  has(i: number): boolean;
  /** Integer constant data of input i (shapes, axes, paddings); throws when it is not constant. */
  ints(i: number): number[];
  /** The builtin options fields (empty when the op has none). */
  opts: OptionTable;
  /** Static IR shape of output k, its batch dimension replaced by the batch being run. */
  outShape(k: number): number[];
}

export type OpKernel = (c: OpContext) => tfjs.Tensor | tfjs.Tensor[];

const num = (v: unknown, fallback = 0): number => (typeof v === 'number' ? v : fallback);

/** ActivationFunctionType: NONE 0, RELU 1, RELU_N1_TO_1 2, RELU6 3, TANH 4 (SIGN_BIT 5 has no float use). */
export function fusedActivation(x: tfjs.Tensor, type: number): tfjs.Tensor {
  switch (type) {
    case 0: return x;
    case 1: return tf.relu(x);
    case 2: return tf.clipByValue(x, -1, 1);
    case 3: return tf.relu6(x);
    case 4: return tf.tanh(x);
    default: throw new Error(`unsupported fused activation ${type}`);
  }
}

const act = (c: OpContext, x: tfjs.Tensor): tfjs.Tensor => fusedActivation(x, num(c.opts.fusedActivationFunction));
const padding = (c: OpContext): 'same' | 'valid' => (num(c.opts.padding) === 0 ? 'same' : 'valid');
const axisOf = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);

function conv2d(c: OpContext): tfjs.Tensor {
  const x = c.input(0) as tfjs.Tensor4D;
  // OHWI → HWIO
  const filter = tf.transpose(c.input(1), [1, 2, 3, 0]) as tfjs.Tensor4D;
  const dil: [number, number] = [num(c.opts.dilationHFactor, 1), num(c.opts.dilationWFactor, 1)];
  let y: tfjs.Tensor = tf.conv2d(x, filter, [num(c.opts.strideH, 1), num(c.opts.strideW, 1)], padding(c), 'NHWC', dil);
  if (c.has(2)) y = tf.add(y, c.input(2));
  return act(c, y);
}

function depthwiseConv2d(c: OpContext): tfjs.Tensor {
  const x = c.input(0) as tfjs.Tensor4D;
  const w = c.input(1);
  const [, kh, kw, cm] = w.shape;
  const channels = x.shape[3];
  // 1HW(C·M) → HWCM: output channel c·M + m is the same index in both layouts.
  const filter = tf.reshape(w, [kh, kw, channels, cm / channels]) as tfjs.Tensor4D;
  const dil: [number, number] = [num(c.opts.dilationHFactor, 1), num(c.opts.dilationWFactor, 1)];
  let y: tfjs.Tensor = tf.depthwiseConv2d(x, filter, [num(c.opts.strideH, 1), num(c.opts.strideW, 1)], padding(c), 'NHWC', dil);
  if (c.has(2)) y = tf.add(y, c.input(2));
  return act(c, y);
}

/**
 * x·Wᵀ for W in TFLite's [out, in] layout, with a hand-written gradient: tfjs derives dx and dW as matMuls
 * with transpose flags, which the wasm backend runs several times slower than plain matMuls (dx = dy·W
 * needs no transpose at all; dW = dyᵀ·x transposes the small dy). Same maths, so the same results up to
 * float summation order.
 */
export const matMulTransposedWeights = tf.customGrad((...args: Array<tfjs.Tensor | tfjs.GradSaveFunc>) => {
  const [x, w, save] = args as [tfjs.Tensor2D, tfjs.Tensor2D, tfjs.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.matMul(x, tf.transpose(w)),
    gradFunc: (dy: tfjs.Tensor, saved: tfjs.Tensor[]) => {
      const [sx, sw] = saved as [tfjs.Tensor2D, tfjs.Tensor2D];
      const d = dy as tfjs.Tensor2D;
      return [tf.matMul(d, sw), tf.matMul(tf.transpose(d), sx)];
    },
  };
});

function fullyConnected(c: OpContext): tfjs.Tensor {
  const x = c.input(0);
  const w = c.input(1);
  const [units, depth] = w.shape;
  const rows = tf.reshape(x, [-1, depth]) as tfjs.Tensor2D;
  let y: tfjs.Tensor = matMulTransposedWeights(rows, w as tfjs.Tensor2D);
  if (c.has(2)) y = tf.add(y, c.input(2));
  if (c.opts.keepNumDims === true) y = tf.reshape(y, [...x.shape.slice(0, -1), units]);
  return act(c, y);
}

function pool(kind: 'max' | 'avg'): OpKernel {
  return (c) => {
    const x = c.input(0) as tfjs.Tensor4D;
    const size: [number, number] = [num(c.opts.filterHeight, 1), num(c.opts.filterWidth, 1)];
    const strides: [number, number] = [num(c.opts.strideH, 1), num(c.opts.strideW, 1)];
    const y = kind === 'max' ? tf.maxPool(x, size, strides, padding(c)) : tf.avgPool(x, size, strides, padding(c));
    return act(c, y);
  };
}

function binary(f: (a: tfjs.Tensor, b: tfjs.Tensor) => tfjs.Tensor): OpKernel {
  return (c) => act(c, f(c.input(0), c.input(1)));
}

function unary(f: (a: tfjs.Tensor) => tfjs.Tensor): OpKernel {
  return (c) => f(c.input(0));
}

function reshape(c: OpContext): tfjs.Tensor {
  // The output tensor's static shape is authoritative (the shape input may be a non-constant or -1).
  return tf.reshape(c.input(0), c.outShape(0));
}

function concatenation(c: OpContext): tfjs.Tensor {
  const parts: tfjs.Tensor[] = [];
  for (let i = 0; c.has(i); i++) parts.push(c.input(i));
  return act(c, tf.concat(parts, axisOf(num(c.opts.axis), parts[0].rank)));
}

function pad(c: OpContext): tfjs.Tensor {
  const x = c.input(0);
  const p = c.ints(1);
  const pairs: Array<[number, number]> = [];
  for (let d = 0; d < x.rank; d++) pairs.push([p[2 * d], p[2 * d + 1]]);
  const value = c.has(2) ? (c.input(2).dataSync()[0] ?? 0) : 0;
  return tf.pad(x, pairs, value);
}

function mean(c: OpContext): tfjs.Tensor {
  const x = c.input(0);
  return tf.mean(x, c.ints(1).map((a) => axisOf(a, x.rank)), c.opts.keepDims === true);
}

function softmax(c: OpContext): tfjs.Tensor {
  const beta = num(c.opts.beta, 1);
  const x = c.input(0);
  return tf.softmax(beta === 1 ? x : tf.mul(x, beta));
}

function split(c: OpContext): tfjs.Tensor[] {
  const x = c.input(1);
  return tf.split(x, num(c.opts.numSplits, 1), axisOf(c.ints(0)[0], x.rank));
}

function hardSwish(x: tfjs.Tensor): tfjs.Tensor {
  return tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6));
}

function resizeBilinear(c: OpContext): tfjs.Tensor {
  const [h, w] = c.ints(1);
  return tf.image.resizeBilinear(c.input(0) as tfjs.Tensor4D, [h, w], c.opts.alignCorners === true, c.opts.halfPixelCenters === true);
}

/** Kernels by builtin code. DEQUANTIZE of constants is resolved before execution (see executor.ts). */
export const KERNELS: ReadonlyMap<number, OpKernel> = new Map<number, OpKernel>([
  [Op.CONV_2D, conv2d],
  [Op.DEPTHWISE_CONV_2D, depthwiseConv2d],
  [Op.FULLY_CONNECTED, fullyConnected],
  [Op.MAX_POOL_2D, pool('max')],
  [Op.AVERAGE_POOL_2D, pool('avg')],
  [Op.ADD, binary(tf.add)],
  [Op.SUB, binary(tf.sub)],
  [Op.MUL, binary(tf.mul)],
  [Op.DIV, binary(tf.div)],
  [Op.MAXIMUM, binary(tf.maximum)],
  [Op.MINIMUM, binary(tf.minimum)],
  [Op.RELU, unary(tf.relu)],
  [Op.RELU6, unary(tf.relu6)],
  [Op.RELU_N1_TO_1, unary((x) => tf.clipByValue(x, -1, 1))],
  [Op.LOGISTIC, unary(tf.sigmoid)],
  [Op.TANH, unary(tf.tanh)],
  [Op.HARD_SWISH, unary(hardSwish)],
  [Op.LEAKY_RELU, (c) => tf.leakyRelu(c.input(0), num(c.opts.alpha, 0.2))],
  [Op.RESHAPE, reshape],
  [Op.SQUEEZE, reshape],
  [Op.EXPAND_DIMS, reshape],
  [Op.CONCATENATION, concatenation],
  [Op.PAD, pad],
  [Op.PADV2, pad],
  [Op.MEAN, mean],
  [Op.SOFTMAX, softmax],
  [Op.TRANSPOSE, (c) => tf.transpose(c.input(0), c.ints(1))],
  [Op.SPLIT, split],
  [Op.RESIZE_BILINEAR, resizeBilinear],
  [Op.DEQUANTIZE, (c) => tf.cast(c.input(0), 'float32')],
]);
