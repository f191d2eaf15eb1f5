/**
 * Calibration: activation ranges of a float model, measured by running it in LiteRT (the real
 * kernels) with every float intermediate tensor of subgraph 0 exposed as an extra output. Large
 * graphs are observed in chunks of tensors so one run never materialises too many outputs.
 *
 * Methods: 'minmax' (default; what the TFLite converter does), 'percentile' (clip the tails, e.g.
 * 99.99), 'mse' (the clipping of the observed range that minimises int8 quantization error).
 */
import { UserError } from '../errors.js';
import { exposeTensorsAsOutputs } from '../ir/graph.js';
import type { Model } from '../ir/model.js';
import { TensorType } from '../ir/tensor-type.js';
import { BuiltinOperator } from '../tflite/builtin-ops.js';
import { activationParams } from '../passes/quant-math.js';
import { writeModel } from '../tflite/write.js';
import { loadLiteRt, type TypedArray } from './litert.js';
import { prepareForLiteRt } from './litert-compat.js';
import { yieldToEventLoop } from '../util/yield-to-event-loop.js';

export interface TensorRange {
  min: number;
  max: number;
}

/** Subgraph-0 tensor index → observed range. */
export type TensorRanges = Map<number, TensorRange>;

export type CalibrationMethod = 'minmax' | 'percentile' | 'mse';

export interface CalibrateOptions {
  method?: CalibrationMethod;
  /** For 'percentile': the upper percentile kept (default 99.99; the lower tail is clipped symmetrically). */
  percentile?: number;
  /** Tensors exposed per LiteRT model instance (default 256). */
  chunkSize?: number;
  /**
   * Bytes of exposed activations per LiteRT model instance (default 256 MiB): exposed tensors cannot
   * share arena memory, and the wasm heap is limited, so large graphs are observed in several runs.
   */
  chunkBytes?: number;
  /** Values kept per tensor for 'percentile'/'mse' (default 65536), sampled at a fixed stride. */
  keepValues?: number;
  /**
   * 'minmax' only: widen each observed range by its expected gap to the true bounds (default true).
   * n values drawn from a range leave on average (max − min)/(n − 1) uncovered at each end (the
   * order-statistics estimate of a uniform's endpoints), so a tensor observed in few values — a scalar
   * input calibrated on 11 samples — is clipped by inputs just outside them; a tensor seen in
   * millions of values is not widened measurably. A bound at exactly 0 stays (ReLU outputs, images).
   */
  edgeEstimate?: boolean;
}

/** The float activations worth a range: non-constant FLOAT32 tensors that ops read or write. */
export function activationTensors(model: Model): number[] {
  const sg = model.subgraphs[0];
  if (!sg) return [];
  const seen = new Set<number>();
  for (const i of sg.inputs) seen.add(i);
  for (const op of sg.operators) for (const i of [...op.inputs, ...op.outputs]) if (i >= 0) seen.add(i);
  return [...seen]
    .filter((i) => {
      const t = sg.tensors[i]!;
      return t.type === TensorType.FLOAT32 && !((model.buffers[t.buffer]?.data.length ?? 0) > 0) && !t.isVariable;
    })
    .sort((a, b) => a - b);
}

export async function calibrate(model: Model, samples: TypedArray[][], options: CalibrateOptions = {}): Promise<TensorRanges> {
  if (samples.length === 0) throw new Error('calibration needs at least one sample');
  const method = options.method ?? 'minmax';
  const keep = method === 'minmax' ? 0 : (options.keepValues ?? 65536);
  const sg = model.subgraphs[0]!;
  const stats = new Map<number, Observer>();
  const all = activationTensors(model);
  for (const t of all) stats.set(t, new Observer(keep, samples.length));

  // Model inputs are observed straight from the samples.
  sg.inputs.forEach((t, k) => {
    const o = stats.get(t);
    if (o) for (const s of samples) if (s[k] instanceof Float32Array) o.add(s[k]);
  });

  // A reshape's output holds its input's values: take its range from there instead of exposing it.
  // LiteRT.js returned garbage for a Keras LeNet-5's flatten RESHAPE output exposed as a model output,
  // depending on what ran before in the process: non-finite values in one run, a wrong range in
  // another (the int8 model then lost 80 points), right in a third.
  const views = viewOutputs(model, new Set(all));
  const inside = all.filter((t) => !sg.inputs.includes(t) && !views.has(t));
  for (const chunk of chunks(model, inside, options.chunkSize ?? 256, options.chunkBytes ?? 256 * 2 ** 20)) {
    const exposed = uniqueOutputNames(exposeTensorsAsOutputs(model, chunk));
    const positions = outputPositions(exposed);
    const rt = await loadLiteRt(writeModel(prepareForLiteRt(exposed)));
    try {
      const where = rt.outputs.map((info, k) => positions.byName.get(info.name) ?? positions.inOrder[k]);
      for (const s of samples) {
        const outs = await rt.run(s);
        outs.forEach((values, k) => {
          const t = where[k];
          if (t !== undefined && values instanceof Float32Array) stats.get(t)?.add(values);
        });
        await yieldToEventLoop();
      }
    } finally {
      rt.dispose();
    }
  }

  const ranges: TensorRanges = new Map();
  for (const [t, o] of stats) {
    if (!o.seen) continue;
    const observed = o.range(method, options.percentile ?? 99.99);
    const range = method === 'minmax' && options.edgeEstimate !== false ? widenToExpectedBounds(observed, o.values) : observed;
    // Infinite activations come from the data (or its normalisation), not from a bug in a pass.
    if (!Number.isFinite(range.min) || !Number.isFinite(range.max)) {
      const name = sg.tensors[t]!.name ?? `#${t}`;
      throw new UserError(`calibration: tensor '${name}' reached non-finite values [${range.min}, ${range.max}]; check the calibration inputs and their normalisation`);
    }
    ranges.set(t, range);
  }
  for (const [out, input] of views) {
    const r = ranges.get(input);
    if (r) ranges.set(out, r);
  }
  return ranges;
}

/** [min, max] widened by (max − min)/(n − 1) at each end that is not exactly 0 (see CalibrateOptions.edgeEstimate). */
export function widenToExpectedBounds(range: TensorRange, values: number): TensorRange {
  if (values < 2 || !(range.max > range.min)) return range;
  const gap = (range.max - range.min) / (values - 1);
  return { min: range.min === 0 ? 0 : range.min - gap, max: range.max === 0 ? 0 : range.max + gap };
}

/** Ops whose output has exactly the values of their first input, in another shape. */
const VIEW_OPS: ReadonlySet<number> = new Set([BuiltinOperator.RESHAPE, BuiltinOperator.SQUEEZE, BuiltinOperator.EXPAND_DIMS]);

/** Output → input of the view ops between activations, in execution order (chains resolve in order). */
function viewOutputs(model: Model, activations: ReadonlySet<number>): Map<number, number> {
  const sg = model.subgraphs[0]!;
  const out = new Map<number, number>();
  for (const op of sg.operators) {
    const code = model.operatorCodes[op.opcodeIndex]?.builtinCode;
    const input = op.inputs[0];
    const output = op.outputs[0];
    if (code === undefined || !VIEW_OPS.has(code) || input === undefined || output === undefined) continue;
    if (activations.has(input) && activations.has(output) && !sg.outputs.includes(output)) out.set(output, input);
  }
  return out;
}

/** Consecutive groups of tensors, each within the count and byte budgets (a single big tensor gets its own). */
function chunks(model: Model, tensors: number[], maxCount: number, maxBytes: number): number[][] {
  const sg = model.subgraphs[0]!;
  const out: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const t of tensors) {
    const size = 4 * (sg.tensors[t]!.shape ?? []).reduce((a, b) => a * Math.max(b, 1), 1);
    if (current.length > 0 && (current.length >= maxCount || bytes + size > maxBytes)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(t);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * LiteRT cannot run a signature-less model whose outputs share a tensor name (it reports the
 * output as not found), so repeated names get a `:<index>` suffix in the copy that is run.
 */
function uniqueOutputNames(model: Model): Model {
  if (model.signatureDefs?.some((s) => s.subgraphIndex === 0)) return model;
  const sg = model.subgraphs[0]!;
  const seen = new Set<string>();
  const tensors = sg.tensors.slice();
  for (const t of sg.outputs) {
    const name = tensors[t]!.name ?? '';
    if (seen.has(name)) tensors[t] = { ...tensors[t]!, name: `${name}:${t}` };
    seen.add(tensors[t]!.name ?? '');
  }
  return { ...model, subgraphs: [{ ...sg, tensors }, ...model.subgraphs.slice(1)] };
}

/**
 * LiteRT names outputs after the signature entry (or the tensor name without a signature). A name
 * that several outputs share cannot say which is which: it maps to undefined, and the output's
 * position (LiteRT keeps the subgraph's output order) decides instead.
 */
function outputPositions(model: Model): { byName: Map<string, number | undefined>; inOrder: number[] } {
  const sg = model.subgraphs[0]!;
  const byName = new Map<string, number | undefined>();
  const add = (name: string, t: number): void => void byName.set(name, byName.has(name) ? undefined : t);
  const sig = model.signatureDefs?.find((s) => s.subgraphIndex === 0);
  if (sig) {
    for (const o of sig.outputs) add(o.name ?? '', o.tensorIndex);
    return { byName, inOrder: sig.outputs.map((o) => o.tensorIndex) };
  }
  for (const t of sg.outputs) add(sg.tensors[t]!.name ?? '', t);
  return { byName, inOrder: sg.outputs };
}

/** Running min/max plus a strided sample of values for the clipping methods. */
class Observer {
  min = Infinity;
  max = -Infinity;
  seen = false;
  /** Values observed so far, over every sample. */
  values = 0;
  private kept = new Float32Array(0);
  private count = 0;
  private readonly perSample: number;

  constructor(keep: number, samples: number) {
    this.perSample = keep > 0 ? Math.ceil(keep / samples) : 0;
  }

  add(values: ArrayLike<number>): void {
    this.seen = true;
    this.values += values.length;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < this.min) this.min = v;
      if (v > this.max) this.max = v;
    }
    if (this.perSample > 0) {
      const stride = Math.max(1, Math.floor(values.length / this.perSample));
      const n = Math.ceil(values.length / stride);
      if (this.count + n > this.kept.length) {
        const grown = new Float32Array(Math.max(this.kept.length * 2, this.count + n));
        grown.set(this.kept.subarray(0, this.count));
        this.kept = grown;
      }
      for (let i = 0; i < values.length; i += stride) this.kept[this.count++] = values[i]!;
    }
  }

  range(method: CalibrationMethod, percentile: number): TensorRange {
    if (method === 'minmax' || this.count === 0) return { min: this.min, max: this.max };
    const sorted = this.kept.slice(0, this.count).sort();
    if (method === 'percentile') {
      const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(p * (sorted.length - 1))))]!;
      const upper = Math.min(100, Math.max(50, percentile)) / 100;
      return { min: Math.max(this.min, q(1 - upper)), max: Math.min(this.max, q(upper)) };
    }
    return mseOptimalRange(sorted, this.min, this.max);
  }
}

/**
 * Shrinks [min, max] by a common factor from a fixed grid and keeps the one with the lowest
 * mean squared int8 quantize→dequantize error over the kept values (ties → the wider range).
 */
export function mseOptimalRange(values: ArrayLike<number>, min: number, max: number): TensorRange {
  let best = { min, max };
  let bestErr = Infinity;
  for (let step = 0; step <= 40; step++) {
    const f = 1 - step * 0.0175; // 1.0 … 0.3
    const lo = min * f;
    const hi = max * f;
    const p = activationParams(lo, hi);
    const qmin = -128 - p.zeroPoint;
    const qmax = 127 - p.zeroPoint;
    let err = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      const q = Math.min(qmax, Math.max(qmin, Math.round(v / p.scale)));
      const d = q * p.scale - v;
      err += d * d;
    }
    if (err < bestErr) {
      bestErr = err;
      best = { min: lo, max: hi };
    }
  }
  return best;
}
