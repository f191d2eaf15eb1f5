/**
 * Output shapes of the common non-element-wise ops from their input shapes, for re-deriving a graph's
 * stored shapes when a dynamic input is fixed (--input-shape). LiteRT.js sizes intermediate and output
 * buffers from the stored shapes, so a model stored at a placeholder ([1,1] for audio of any length)
 * must carry the real shapes through every op, not only the element-wise ones. Returns undefined for
 * ops it does not know, or when an operand shape or option is missing: the caller keeps the stored shape.
 */
import { BuiltinOperator as B } from '../tflite/builtin-ops.js';
import type { Model, Operator, Subgraph, Tensor } from './model.js';
import { constInts } from './const-ints.js';
import { numElements } from './shape.js';

type Shape = readonly number[];

export function inferOutputShape(model: Model, sg: Subgraph, tensors: readonly Tensor[], op: Operator, code: number): number[] | undefined {
  const ins = op.inputs.map((k) => (k >= 0 ? tensors[k]?.shape : undefined));
  const x = ins[0];
  if (!x) return undefined;
  const ints = (slot: number): number[] | undefined => constInts(model, sg, op.inputs[slot]);
  const opt = (name: string): unknown => op.builtinOptions?.fields[name];
  switch (code) {
    case B.EXPAND_DIMS: {
      const a = ints(1)?.[0];
      if (a === undefined) return undefined;
      const axis = a < 0 ? x.length + 1 + a : a;
      return [...x.slice(0, axis), 1, ...x.slice(axis)];
    }
    case B.SQUEEZE: {
      const dims = (opt('squeezeDims') as number[] | undefined) ?? [];
      const drop = new Set(dims.length ? dims.map((d) => (d < 0 ? x.length + d : d)) : x.flatMap((d, i) => (d === 1 ? [i] : [])));
      return x.filter((_, i) => !drop.has(i));
    }
    case B.TRANSPOSE: {
      const perm = ints(1);
      return perm && perm.length === x.length ? perm.map((p) => x[p]!) : undefined;
    }
    case B.RESHAPE: {
      const target = ints(1) ?? (opt('newShape') as number[] | undefined);
      if (!target) return undefined;
      const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
      return target.map((d) => (d === -1 ? (known > 0 ? numElements(x) / known : 0) : d));
    }
    case B.CONV_2D:
    case B.DEPTHWISE_CONV_2D: {
      const w = ins[1];
      if (!w || x.length !== 4 || w.length !== 4) return undefined;
      const padding = opt('padding');
      const sh = opt('strideH');
      const sw = opt('strideW');
      if (typeof padding !== 'number' || typeof sh !== 'number' || typeof sw !== 'number') return undefined;
      const dh = Number(opt('dilationHFactor') ?? 1);
      const dw = Number(opt('dilationWFactor') ?? 1);
      const channels = code === B.CONV_2D ? w[0]! : w[3]!;
      return [x[0]!, spatialOut(x[1]!, w[1]!, sh, dh, padding), spatialOut(x[2]!, w[2]!, sw, dw, padding), channels];
    }
    case B.BATCH_MATMUL: {
      const y = ins[1];
      if (!y || x.length < 2 || y.length < 2) return undefined;
      const rows = opt('adjX') === true ? x[x.length - 1]! : x[x.length - 2]!;
      const cols = opt('adjY') === true ? y[y.length - 2]! : y[y.length - 1]!;
      const batch = broadcastShapes([x.slice(0, -2), y.slice(0, -2)]);
      return batch ? [...batch, rows, cols] : undefined;
    }
    case B.FULLY_CONNECTED: {
      const w = ins[1];
      if (!w || w.length !== 2) return undefined;
      return opt('keepNumDims') === true ? [...x.slice(0, -1), w[0]!] : [numElements(x) / w[1]!, w[0]!];
    }
    case B.MEAN:
    case B.SUM:
    case B.REDUCE_MAX:
    case B.REDUCE_MIN:
    case B.REDUCE_PROD: {
      const axes = ints(1);
      if (!axes) return undefined;
      const reduced = new Set(axes.map((a) => (a < 0 ? x.length + a : a)));
      return opt('keepDims') === true ? x.map((d, i) => (reduced.has(i) ? 1 : d)) : x.filter((_, i) => !reduced.has(i));
    }
    default:
      return undefined;
  }
}

/** NumPy broadcasting of operand shapes; undefined when they do not broadcast. */
export function broadcastShapes(shapes: readonly Shape[]): number[] | undefined {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const v = s[s.length - rank + i] ?? 1;
      if (v !== 1 && d !== 1 && v !== d) return undefined;
      if (v !== 1) d = v;
    }
    out.push(d);
  }
  return out;
}

/** TFLite's spatial output size: SAME (0) = ceil(in / stride), VALID (1) = ceil((in - effective kernel + 1) / stride). */
function spatialOut(size: number, kernel: number, stride: number, dilation: number, padding: number): number {
  const effective = (kernel - 1) * dilation + 1;
  return padding === 0 ? Math.ceil(size / stride) : Math.max(0, Math.ceil((size - effective + 1) / stride));
}

