/**
 * Side-by-side runs for the corpus: synthetic inputs (seeded, uniform in the manifest's range — they are
 * NOT real data, so fidelity here is a stress measure, not an accuracy claim), any number of inputs of
 * any dtype, and per-output fidelity of a compressed model against its original, both run by the real
 * LiteRT runtime (compiler/src/eval). int8/uint8 I/O is (de)quantized with each model's own parameters,
 * so an int8-I/O output is compared with a float original on equal terms.
 */
import { prepareBytesForLiteRt } from '../../compiler/src/eval/litert-compat.js';
import { ioTensor, qparams, toFloat } from '../../compiler/src/eval/evaluate.js';
import { FidelityAccumulator, type Fidelity } from '../../compiler/src/eval/fidelity.js';
import { encodeNpy } from '../../compiler/src/eval/npy.js';
import { loadLiteRt, type TensorInfo, type TypedArray } from '../../compiler/src/eval/litert.js';
import type { Model, Quantization, Tensor } from '../../compiler/src/ir/model.js';
import { withInputShapes } from '../../compiler/src/pipeline/input-shape.js';
import { readModel } from '../../compiler/src/tflite/read.js';
import { writeModel } from '../../compiler/src/tflite/write.js';
import { prng } from '../../compiler/src/util/prng.js';

export interface FloatModel {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** One float array per input (values, not quantized); returns float outputs. */
  run(inputs: Float32Array[]): Promise<Float32Array[]>;
  dispose(): void;
}

/**
 * Opens a model in LiteRT. Our reader supplies the I/O quantization parameters; when it refuses a file
 * LiteRT accepts (ai-edge-quantizer writes a stale metadata_buffer index), float I/O is assumed, which is
 * what a float model and a dynamic-range output have — the LiteRT dtypes are checked to be float.
 */
export async function openFloatModel(bytes: Uint8Array): Promise<FloatModel> {
  let model: Model | undefined;
  try {
    model = readModel(bytes);
  } catch {
    model = undefined;
  }
  let prepared = bytes;
  try {
    prepared = prepareBytesForLiteRt(bytes);
  } catch {
    // a file prepareBytesForLiteRt cannot walk goes to LiteRT as it is
  }
  const rt = await loadLiteRt(prepared);
  if (!model && [...rt.inputs, ...rt.outputs].some((t) => t.dtype === 'int8' || t.dtype === 'uint8' || t.dtype === 'int16')) {
    rt.dispose();
    throw new Error('quantized I/O in a file our reader refuses: no (de)quantization parameters');
  }
  const inQ = rt.inputs.map((i) => (model ? ioTensor(model, i, 'inputs')?.quantization : undefined));
  const outQ = rt.outputs.map((o) => (model ? ioTensor(model, o, 'outputs')?.quantization : undefined));
  return {
    inputs: rt.inputs,
    outputs: rt.outputs,
    async run(inputs) {
      const outs = await rt.run(inputs.map((x, i) => toDtype(x, rt.inputs[i]!, inQ[i])));
      return outs.map((y, i) => toFloat(y, outQ[i]));
    },
    dispose: () => rt.dispose(),
  };
}

function toDtype(x: Float32Array, info: TensorInfo, q: Quantization | undefined): TypedArray {
  const { scale, zeroPoint } = qparams(q);
  const quant = (lo: number, hi: number) => (v: number): number => Math.min(hi, Math.max(lo, Math.round(v / scale) + zeroPoint));
  switch (info.dtype) {
    case 'float32': return x;
    case 'int8': return Int8Array.from(x, quant(-128, 127));
    case 'uint8': return Uint8Array.from(x, quant(0, 255));
    case 'int16': return Int16Array.from(x, quant(-32768, 32767));
    case 'int32': return Int32Array.from(x, Math.round);
    case 'int64': return BigInt64Array.from(x, (v) => BigInt(Math.round(v)));
    case 'bool': return Uint8Array.from(x, (v) => (v > 0.5 ? 1 : 0));
  }
}

/** `count` samples, one float array per input shape, uniform in `range`; integer inputs get integers. */
export function syntheticInputs(inputs: TensorInfo[], count: number, seed: number, range: [number, number]): Float32Array[][] {
  const rand = prng(seed);
  const [lo, hi] = range;
  return Array.from({ length: count }, () =>
    inputs.map((info) => {
      const n = info.shape.reduce((a, b) => a * b, 1);
      const integer = info.dtype === 'int32' || info.dtype === 'int64';
      return Float32Array.from({ length: n }, () => (integer ? Math.floor(lo + rand() * (hi - lo)) : lo + rand() * (hi - lo)));
    }),
  );
}

export interface WorstOutput {
  /** Index of the output with the lowest SQNR. */
  output: number;
  sqnrDb: number;
  cosine: number;
  /** Lowest cosine over all outputs (may be another output). */
  minCosine: number;
}

export function worstOutput(f: Fidelity): WorstOutput | undefined {
  if (f.outputs.length === 0) return undefined;
  let w = 0;
  // NaN (the output holds NaN) counts as the worst of all.
  const key = (x: number): number => (Number.isNaN(x) ? -Infinity : x);
  f.outputs.forEach((o, i) => {
    if (key(o.sqnrDb) < key(f.outputs[w]!.sqnrDb) || (Number.isNaN(o.sqnrDb) && !Number.isNaN(f.outputs[w]!.sqnrDb))) w = i;
  });
  return { output: w, sqnrDb: f.outputs[w]!.sqnrDb, cosine: f.outputs[w]!.cosine, minCosine: Math.min(...f.outputs.map((o) => o.cosine)) };
}

/**
 * The model with its single input fixed at `shape` (a dynamic input's real length), as the CLI's
 * --input-shape measures it: LiteRT.js runs a model at its stored shape, a placeholder such as [1,1].
 */
export function atInputShape(bytes: Uint8Array, shape: readonly number[] | undefined): Uint8Array {
  if (!shape) return bytes;
  const model = readModel(bytes);
  const sg = model.subgraphs[0]!;
  const tensor = sg.inputs[0]!;
  return writeModel(withInputShapes(model, [{ tensor, name: sg.tensors[tensor]?.name ?? '', shape: [...shape], changed: true }]));
}

/** Runs `samples` through a model. */
export async function runAll(m: FloatModel, samples: Float32Array[][]): Promise<Float32Array[][]> {
  const out: Float32Array[][] = [];
  for (const s of samples) out.push(await m.run(s));
  return out;
}

/** Fidelity of a candidate model's outputs to reference outputs on the same samples. */
export async function compareTo(reference: Float32Array[][], candidate: Uint8Array, samples: Float32Array[][]): Promise<Fidelity> {
  const m = await openFloatModel(candidate);
  try {
    const acc = new FidelityAccumulator();
    for (let i = 0; i < samples.length; i++) acc.add(reference[i]!, await m.run(samples[i]!));
    return acc.result();
  } finally {
    m.dispose();
  }
}

/** A float32 .npy holding `samples` (single-input) as [N, ...shape]: the CLI's calibration format. */
export function npyBytes(samples: Float32Array[], shape: number[]): Uint8Array {
  const all = new Float32Array(samples.reduce((a, s) => a + s.length, 0));
  let off = 0;
  for (const s of samples) {
    all.set(s, off);
    off += s.length;
  }
  return encodeNpy(all, [samples.length, ...shape]);
}
