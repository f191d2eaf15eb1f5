/**
 * Shape rules for the ops the compression passes rewrite (conv / transpose conv / FC channel counts, broadcasting,
 * concat, reshape, pools, pads, reductions, shape-preserving activations). Each rule returns the
 * problems it finds for one operator; operands without a known shape are skipped, and ops without
 * a rule are accepted (the verifier must not reject models merely for using other ops).
 */
import { BuiltinOperator as B } from '../tflite/builtin-ops.js';
import type { Model, Operator, Subgraph } from './model.js';
import { constInts } from './const-ints.js';
import { numElements } from './shape.js';

type Shape = readonly number[];

/** Problems with the operand shapes of `op` (messages without the op prefix). */
export function opShapeProblems(model: Model, sg: Subgraph, op: Operator, code: number): string[] {
  const problems: string[] = [];
  const shapeOf = (k: number): Shape | undefined => {
    const t = k >= 0 ? sg.tensors[k] : undefined;
    return t?.shape;
  };
  const ins = op.inputs.map(shapeOf);
  const out = op.outputs[0] !== undefined ? shapeOf(op.outputs[0]) : undefined;
  const expect = (ok: boolean, what: () => string): void => {
    if (!ok) problems.push(what());
  };
  const rule = RULES.get(code);
  if (rule && out) rule({ model, sg, op, ins, out, expect });
  return problems;
}

interface RuleArgs {
  model: Model;
  sg: Subgraph;
  op: Operator;
  ins: (Shape | undefined)[];
  out: Shape;
  expect(ok: boolean, what: () => string): void;
}

const fmt = (s: Shape | undefined): string => (s ? `[${s.join(',')}]` : '?');
const last = (s: Shape): number => (s.length > 0 ? s[s.length - 1]! : 1);

function field(op: Operator, name: string): number | boolean | undefined {
  const v = op.builtinOptions?.fields[name];
  return typeof v === 'number' || typeof v === 'boolean' ? v : undefined;
}


/** TFLite's spatial output size: SAME (0) = ceil(in / stride), VALID (1) = ceil((in - effective kernel + 1) / stride). */
function spatialOut(size: number, kernel: number, stride: number, dilation: number, padding: number): number {
  const effective = (kernel - 1) * dilation + 1;
  return padding === 0 ? Math.ceil(size / stride) : Math.ceil((size - effective + 1) / stride);
}

/** NHWC height/width of `out` against input `x` for a kernel of kh × kw with the op's strides and padding. */
function checkSpatial(a: RuleArgs, x: Shape, kh: number, kw: number, dilated: boolean): void {
  const padding = field(a.op, 'padding');
  const sh = field(a.op, 'strideH');
  const sw = field(a.op, 'strideW');
  if (typeof padding !== 'number' || typeof sh !== 'number' || typeof sw !== 'number' || sh < 1 || sw < 1) return;
  const dh = dilated ? Number(field(a.op, 'dilationHFactor') ?? 1) : 1;
  const dw = dilated ? Number(field(a.op, 'dilationWFactor') ?? 1) : 1;
  const h = spatialOut(x[1]!, kh, sh, dh, padding);
  const w = spatialOut(x[2]!, kw, sw, dw, padding);
  a.expect(a.out[1] === h && a.out[2] === w, () => `spatial output ${a.out[1]}x${a.out[2]}, expected ${h}x${w} from input ${fmt(x)}`);
}

function biasLength(a: RuleArgs, n: number): void {
  const bias = a.ins[2];
  if (bias) a.expect(numElements(bias) === n, () => `bias ${fmt(bias)} has not ${n} elements`);
}

function conv(a: RuleArgs): void {
  const [x, w] = a.ins;
  if (!x || !w) return;
  if (x.length !== 4 || w.length !== 4 || a.out.length !== 4) return a.expect(false, () => `rank-4 operands expected: input ${fmt(x)}, filter ${fmt(w)}, output ${fmt(a.out)}`);
  // Grouped convolution: input channels are a multiple of the filter's.
  a.expect(w[3]! > 0 && x[3]! % w[3]! === 0, () => `input channels ${x[3]} vs filter ${fmt(w)}`);
  a.expect(a.out[3] === w[0], () => `output channels ${a.out[3]} vs filter ${fmt(w)}`);
  a.expect(a.out[0] === x[0], () => `batch ${x[0]} → ${a.out[0]}`);
  biasLength(a, w[0]!);
  checkSpatial(a, x, w[1]!, w[2]!, true);
}

function depthwise(a: RuleArgs): void {
  const [x, w] = a.ins;
  if (!x || !w) return;
  if (x.length !== 4 || w.length !== 4 || a.out.length !== 4) return a.expect(false, () => `rank-4 operands expected: input ${fmt(x)}, filter ${fmt(w)}, output ${fmt(a.out)}`);
  a.expect(w[0] === 1, () => `filter ${fmt(w)} must start with 1`);
  a.expect(a.out[3] === w[3], () => `output channels ${a.out[3]} vs filter ${fmt(w)}`);
  a.expect(x[3]! > 0 && w[3]! % x[3]! === 0, () => `filter channels ${w[3]} are no multiple of input channels ${x[3]}`);
  a.expect(a.out[0] === x[0], () => `batch ${x[0]} → ${a.out[0]}`);
  biasLength(a, w[3]!);
  checkSpatial(a, x, w[1]!, w[2]!, true);
}

/** Inputs [output_shape, filter [O,H,W,I], input, bias?]; the declared output_shape must be the output's. */
function transposeConv(a: RuleArgs): void {
  const [, w, x, bias] = a.ins;
  if (!x || !w) return;
  if (x.length !== 4 || w.length !== 4 || a.out.length !== 4) return a.expect(false, () => `rank-4 operands expected: input ${fmt(x)}, filter ${fmt(w)}, output ${fmt(a.out)}`);
  a.expect(x[3] === w[3], () => `input channels ${x[3]} vs filter ${fmt(w)}`);
  a.expect(a.out[3] === w[0], () => `output channels ${a.out[3]} vs filter ${fmt(w)}`);
  a.expect(a.out[0] === x[0], () => `batch ${x[0]} → ${a.out[0]}`);
  if (bias) a.expect(numElements(bias) === w[0], () => `bias ${fmt(bias)} has not ${w[0]} elements`);
  const declared = constInts(a.model, a.sg, a.op.inputs[0]);
  if (declared) a.expect(declared.join() === a.out.join(), () => `output_shape [${declared}] vs output ${fmt(a.out)}`);
  // The forward convolution of the output's size must give the input's size.
  const padding = field(a.op, 'padding');
  const sh = field(a.op, 'strideH');
  const sw = field(a.op, 'strideW');
  if (typeof padding !== 'number' || typeof sh !== 'number' || typeof sw !== 'number' || sh < 1 || sw < 1) return;
  const h = spatialOut(a.out[1]!, w[1]!, sh, 1, padding);
  const wd = spatialOut(a.out[2]!, w[2]!, sw, 1, padding);
  a.expect(x[1] === h && x[2] === wd, () => `output ${a.out[1]}x${a.out[2]} does not come from input ${x[1]}x${x[2]} (forward gives ${h}x${wd})`);
}

function fullyConnected(a: RuleArgs): void {
  const [x, w] = a.ins;
  if (!x || !w) return;
  if (w.length !== 2) return a.expect(false, () => `weights ${fmt(w)} are not rank 2`);
  const [units, depth] = [w[0]!, w[1]!];
  a.expect(depth > 0 && numElements(x) % depth === 0, () => `input ${fmt(x)} is no whole number of rows of ${depth}`);
  a.expect(last(a.out) === units, () => `output ${fmt(a.out)} vs ${units} units`);
  a.expect(depth > 0 && units > 0 && numElements(x) / depth === numElements(a.out) / units, () => `input ${fmt(x)} and output ${fmt(a.out)} differ in rows`);
  biasLength(a, units);
}

/** Right-aligned broadcasting: every operand dim is 1 or the output's, and the output is their maximum. */
function broadcast(a: RuleArgs): void {
  const operands = a.ins.slice(0, 2);
  if (operands.some((s) => !s)) return;
  const rank = Math.max(...operands.map((s) => s!.length));
  a.expect(a.out.length === rank, () => `output ${fmt(a.out)} vs operands ${operands.map(fmt).join(', ')}`);
  for (let i = 0; i < a.out.length; i++) {
    const dims = operands.map((s) => s![s!.length - a.out.length + i] ?? 1);
    const ok = dims.every((d) => d === 1 || d === a.out[i]) && Math.max(...dims) === a.out[i];
    if (!ok) return a.expect(false, () => `operands ${operands.map(fmt).join(', ')} do not broadcast to ${fmt(a.out)}`);
  }
}

function concatenation(a: RuleArgs): void {
  if (a.ins.some((s) => !s)) return;
  const rawAxis = Number(field(a.op, 'axis') ?? 0);
  const axis = rawAxis < 0 ? rawAxis + a.out.length : rawAxis;
  if (axis < 0 || axis >= a.out.length) return a.expect(false, () => `axis ${rawAxis} outside output ${fmt(a.out)}`);
  let sum = 0;
  a.ins.forEach((s, k) => {
    sum += s![axis] ?? 0;
    const same = s!.length === a.out.length && s!.every((d, i) => i === axis || d === a.out[i]);
    a.expect(same, () => `input ${k} ${fmt(s)} does not match output ${fmt(a.out)} off axis ${axis}`);
  });
  a.expect(sum === a.out[axis], () => `inputs sum to ${sum} along axis ${axis}, output has ${a.out[axis]}`);
}

function reshape(a: RuleArgs): void {
  const x = a.ins[0];
  if (x) a.expect(numElements(x) === numElements(a.out), () => `${fmt(x)} → ${fmt(a.out)} changes the element count`);
}

function pool(a: RuleArgs): void {
  const x = a.ins[0];
  if (!x) return;
  if (x.length !== 4 || a.out.length !== 4) return a.expect(false, () => `rank-4 operands expected: ${fmt(x)} → ${fmt(a.out)}`);
  a.expect(x[0] === a.out[0] && x[3] === a.out[3], () => `batch/channels ${fmt(x)} → ${fmt(a.out)}`);
  const kh = field(a.op, 'filterHeight');
  const kw = field(a.op, 'filterWidth');
  if (typeof kh === 'number' && typeof kw === 'number') checkSpatial(a, x, kh, kw, false);
}

function pad(a: RuleArgs): void {
  const x = a.ins[0];
  const pads = constInts(a.model, a.sg, a.op.inputs[1]);
  if (!x || !pads) return;
  if (pads.length !== 2 * x.length || a.out.length !== x.length) return a.expect(false, () => `paddings of ${pads.length} values for input ${fmt(x)} → ${fmt(a.out)}`);
  const want = x.map((d, i) => d + pads[2 * i]! + pads[2 * i + 1]!);
  a.expect(want.every((d, i) => d === a.out[i]), () => `${fmt(x)} padded by [${pads}] is ${fmt(want)}, output ${fmt(a.out)}`);
}

function mean(a: RuleArgs): void {
  const x = a.ins[0];
  const axes = constInts(a.model, a.sg, a.op.inputs[1]);
  if (!x || !axes) return;
  const reduced = new Set(axes.map((ax) => (ax < 0 ? ax + x.length : ax)));
  const want = field(a.op, 'keepDims') === true ? x.map((d, i) => (reduced.has(i) ? 1 : d)) : x.filter((_d, i) => !reduced.has(i));
  a.expect(want.length === a.out.length && want.every((d, i) => d === a.out[i]), () => `${fmt(x)} reduced over [${axes}] is ${fmt(want)}, output ${fmt(a.out)}`);
}

function sameShape(a: RuleArgs): void {
  const x = a.ins[0];
  if (x) a.expect(x.length === a.out.length && x.every((d, i) => d === a.out[i]), () => `${fmt(x)} → ${fmt(a.out)} changes the shape`);
}

const RULES = new Map<number, (a: RuleArgs) => void>([
  [B.CONV_2D, conv],
  [B.DEPTHWISE_CONV_2D, depthwise],
  [B.FULLY_CONNECTED, fullyConnected],
  [B.TRANSPOSE_CONV, transposeConv],
  [B.ADD, broadcast],
  [B.MUL, broadcast],
  [B.SUB, broadcast],
  [B.DIV, broadcast],
  [B.CONCATENATION, concatenation],
  [B.RESHAPE, reshape],
  [B.AVERAGE_POOL_2D, pool],
  [B.MAX_POOL_2D, pool],
  [B.PAD, pad],
  [B.PADV2, pad],
  [B.MEAN, mean],
  [B.SOFTMAX, sameShape],
  [B.LOGISTIC, sameShape],
  [B.RELU, sameShape],
  [B.RELU6, sameShape],
  [B.TANH, sameShape],
  [B.HARD_SWISH, sameShape],
  [B.QUANTIZE, sameShape],
  [B.DEQUANTIZE, sameShape],
]);
