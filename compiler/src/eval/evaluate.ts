/**
 * Held-out evaluation: runs the original and the compressed model in LiteRT (real kernels) on the
 * same float inputs and compares them — fidelity always, top-1 accuracy when labels exist.
 * int8/uint8 model inputs are quantized with the input tensor's scale/zero point, and quantized
 * outputs dequantized, so a full-int8 model is compared with its float original on equal terms.
 */
import type { Model, Quantization, Tensor } from '../ir/model.js';
import { confusionMatrix } from './confusion.js';
import { argmax, FidelityAccumulator, type Fidelity } from './fidelity.js';
import { prepareBytesForLiteRt } from './litert-compat.js';
import { loadLiteRt, type TensorInfo, type TypedArray } from './litert.js';
import { yieldToEventLoop } from '../util/yield-to-event-loop.js';

/** A model as bytes (what LiteRT runs) plus its IR (for I/O quantization parameters). */
export interface ModelUnderTest {
  bytes: Uint8Array;
  model: Model;
}

export interface EvalData {
  /** One float32 array per sample for the model's single input. */
  inputs: Float32Array[];
  labels?: number[];
}

export interface Evaluation {
  samples: number;
  fidelity: Fidelity;
  /** Top-1 accuracy on the labels (fractions), when labels exist. */
  accuracyBefore?: number;
  accuracyAfter?: number;
  /** accuracyBefore − accuracyAfter (0.01 = one point), when labels exist. */
  accuracyDrop?: number;
  /** Confusion matrices (rows labels, columns top-1 predictions), when labels exist. */
  confusionBefore?: number[][];
  confusionAfter?: number[][];
}

/** A LiteRT model that takes and returns float values whatever its I/O types. */
export interface FloatRunner {
  readonly inputShape: number[];
  /** LiteRT's names of the outputs, in the order run() returns them. */
  readonly outputNames: string[];
  run(input: Float32Array): Promise<Float32Array[]>;
  dispose(): void;
}

export async function openFloatRunner(m: ModelUnderTest): Promise<FloatRunner> {
  // Value-preserving patches LiteRT.js needs (static shape signature, quantized_dimension).
  const rt = await loadLiteRt(prepareBytesForLiteRt(m.bytes));
  try {
    if (rt.inputs.length !== 1) throw new Error(`evaluation supports single-input models; this one has ${rt.inputs.length} inputs`);
    const inTensor = ioTensor(m.model, rt.inputs[0]!, 'inputs');
    const outTensors = rt.outputs.map((o) => ioTensor(m.model, o, 'outputs'));
    const info = rt.inputs[0]!;
    return {
      inputShape: info.shape,
      outputNames: rt.outputs.map((o) => o.name),
      async run(input: Float32Array): Promise<Float32Array[]> {
        const outs = await rt.run([toDtype(input, info, inTensor?.quantization)]);
        return outs.map((o, i) => toFloat(o, outTensors[i]?.quantization));
      },
      dispose: () => rt.dispose(),
    };
  } catch (e) {
    rt.dispose();
    throw e;
  }
}

/** The IR tensor behind a LiteRT input/output (by signature entry, else by tensor name, else position). */
export function ioTensor(model: Model, info: TensorInfo, kind: 'inputs' | 'outputs'): Tensor | undefined {
  const sig = model.signatureDefs?.[0];
  const sg = model.subgraphs[sig?.subgraphIndex ?? 0];
  if (!sg) return undefined;
  const entry = sig?.[kind].find((e) => e.name === info.name);
  if (entry) return sg.tensors[entry.tensorIndex];
  return sg[kind].map((i) => sg.tensors[i]!).find((t) => t.name === info.name);
}

export function qparams(q: Quantization | undefined): { scale: number; zeroPoint: number } {
  return { scale: q?.scale?.[0] ?? 1, zeroPoint: Number(q?.zeroPoint?.[0] ?? 0n) };
}

function toDtype(x: Float32Array, info: TensorInfo, q: Quantization | undefined): TypedArray {
  if (info.dtype === 'float32') return x;
  const { scale, zeroPoint } = qparams(q);
  const clampRound = (lo: number, hi: number) => (v: number): number => Math.min(hi, Math.max(lo, Math.round(v / scale) + zeroPoint));
  if (info.dtype === 'int8') return Int8Array.from(x, clampRound(-128, 127));
  if (info.dtype === 'uint8') return Uint8Array.from(x, clampRound(0, 255));
  throw new Error(`evaluation cannot feed a ${info.dtype} input`);
}

/** An output as float32: int8/uint8 dequantized with the tensor's own parameters. */
export function toFloat(y: TypedArray, q: Quantization | undefined): Float32Array {
  if (y instanceof Float32Array) return y;
  if (y instanceof BigInt64Array) return Float32Array.from(y, Number);
  if (!q?.scale?.length) return Float32Array.from(y);
  const { scale, zeroPoint } = qparams(q);
  return Float32Array.from(y, (v) => (v - zeroPoint) * scale);
}

/** Runs every sample through a runner; returns outputs per sample. */
export async function runAll(runner: FloatRunner, inputs: Float32Array[], onSample?: (done: number) => void): Promise<Float32Array[][]> {
  const out: Float32Array[][] = [];
  for (const x of inputs) {
    out.push(await runner.run(x));
    onSample?.(out.length);
    await yieldToEventLoop();
  }
  return out;
}

/** Top-1 accuracy of output 0 against labels. */
export function accuracy(outputs: Float32Array[][], labels: number[]): number {
  if (outputs.length === 0) return 0;
  let right = 0;
  outputs.forEach((o, i) => {
    if (argmax(o[0]!) === labels[i]) right++;
  });
  return right / outputs.length;
}

/** Compares `compressed` with reference outputs already computed for the original. */
export async function evaluateAgainst(
  reference: Float32Array[][],
  compressed: ModelUnderTest,
  data: EvalData,
  onSample?: (done: number) => void,
): Promise<Evaluation> {
  const runner = await openFloatRunner(compressed);
  let test: Float32Array[][];
  try {
    test = await runAll(runner, data.inputs, onSample);
  } finally {
    runner.dispose();
  }
  return compare(reference, test, data.labels);
}

export function compare(reference: Float32Array[][], test: Float32Array[][], labels?: number[]): Evaluation {
  const acc = new FidelityAccumulator();
  reference.forEach((r, i) => acc.add(r, test[i]!));
  const result: Evaluation = { samples: reference.length, fidelity: acc.result() };
  if (labels && labels.length === reference.length) {
    result.accuracyBefore = accuracy(reference, labels);
    result.accuracyAfter = accuracy(test, labels);
    result.accuracyDrop = result.accuracyBefore - result.accuracyAfter;
    result.confusionBefore = confusionMatrix(reference, labels);
    result.confusionAfter = confusionMatrix(test, labels);
  }
  return result;
}

/** Runs both models on the data and compares them. */
export async function evaluate(
  original: ModelUnderTest,
  compressed: ModelUnderTest,
  data: EvalData,
  onSample?: (done: number) => void,
): Promise<Evaluation> {
  const runner = await openFloatRunner(original);
  let reference: Float32Array[][];
  try {
    reference = await runAll(runner, data.inputs, onSample && ((n) => onSample(n)));
  } finally {
    runner.dispose();
  }
  return evaluateAgainst(reference, compressed, data, onSample && ((n) => onSample(data.inputs.length + n)));
}
