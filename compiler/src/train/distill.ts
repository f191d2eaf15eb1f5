/**
 * Distils a teacher .tflite into a student IR model (or trains the student on labels alone when there
 * is no teacher). The teacher's logits are computed once — by LiteRT, the runtime that will ship, or by
 * the training executor — because the data are not augmented, so every epoch would get the same soft
 * targets. Adam, a seeded shuffle per epoch and the single-threaded wasm backend make a run deterministic.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { tf } from './backend.js';
import { crossEntropy, distillationLoss } from './distill-loss.js';
import { GraphExecutor, type ExecutorOptions } from './executor/executor.js';
import { prng, shuffledIndices } from './seeded.js';
import type { Model } from '../ir/model.js';
import { opBuiltinCode, producers } from '../ir/graph.js';
import { BuiltinOperator as Op } from '../tflite/builtin-ops.js';
import { readModel } from '../tflite/read.js';
import { loadLiteRt } from '../eval/litert.js';
import { yieldToEventLoop } from '../util/yield-to-event-loop.js';

export interface TrainingData {
  /** One Float32Array per sample, laid out as the model's input (NHWC without the batch). */
  inputs: Float32Array[];
  labels?: number[];
}

export interface EpochStats {
  epoch: number;
  loss: number;
  /** Training accuracy against the labels (undefined without labels). */
  accuracy?: number;
  /** How often the student's top class equals the teacher's. */
  teacherAgreement?: number;
  /** Accuracy on the validation data, when given with labels. */
  validationAccuracy?: number;
}

export interface DistillOptions {
  epochs: number;
  batchSize?: number;
  learningRate?: number;
  /** 'cosine' decays the learning rate to 0 over the run (per step); default 'constant'. */
  schedule?: 'constant' | 'cosine';
  temperature?: number;
  alpha?: number;
  seed?: number;
  /** Who computes the soft targets; default LiteRT. */
  teacherRunner?: 'litert' | 'executor';
  validation?: TrainingData;
  /** Student executor options (e.g. a QAT weight transform). */
  executor?: ExecutorOptions;
  /** Called after every optimizer step (e.g. to re-apply pruning masks); steps count from 1. */
  afterStep?: (exec: GraphExecutor, step: number, totalSteps: number) => void;
  onBatch?: (epoch: number, done: number, total: number, loss: number) => void;
  onEpoch?: (stats: EpochStats) => void;
}

export interface DistillResult {
  model: Model;
  history: EpochStats[];
}

/** The tensor holding pre-softmax scores: the SOFTMAX input when the output comes from a SOFTMAX. */
export function logitsTensor(model: Model, subgraph = 0): { tensor: number; softmaxOutput: boolean } {
  const sg = model.subgraphs[subgraph];
  const out = sg.outputs[0];
  const [p] = producers(sg, out);
  if (p !== undefined && opBuiltinCode(model, sg.operators[p]) === Op.SOFTMAX) return { tensor: sg.operators[p].inputs[0], softmaxOutput: true };
  return { tensor: out, softmaxOutput: false };
}

function stack(inputs: Float32Array[], order: ArrayLike<number>, start: number, end: number): Float32Array {
  const size = inputs[0].length;
  const out = new Float32Array((end - start) * size);
  for (let i = start; i < end; i++) out.set(inputs[order[i]], (i - start) * size);
  return out;
}

/**
 * Teacher logits for every sample, [N × classes] row-major. With LiteRT a SOFTMAX output is turned back
 * into logits as log(p): it differs from the true logits by a per-sample constant, which every softmax
 * (at any temperature) ignores.
 */
export async function teacherLogits(teacherBytes: Uint8Array, inputs: Float32Array[], runner: 'litert' | 'executor' = 'litert', batchSize = 64): Promise<{ logits: Float32Array; classes: number }> {
  const model = readModel(teacherBytes);
  const { tensor, softmaxOutput } = logitsTensor(model);
  if (runner === 'executor') {
    const exec = new GraphExecutor(model, { trainable: false });
    const shape = exec.inputShapes[0].slice(1);
    const parts: Float32Array[] = [];
    const order = Uint32Array.from(inputs.keys());
    for (let s = 0; s < inputs.length; s += batchSize) {
      const e = Math.min(inputs.length, s + batchSize);
      const x = tf.tensor(stack(inputs, order, s, e), [e - s, ...shape]);
      parts.push((await exec.predict([x], [tensor]))[0]);
      x.dispose();
    }
    exec.dispose();
    const classes = parts[0].length / Math.min(batchSize, inputs.length);
    const logits = new Float32Array(inputs.length * classes);
    let off = 0;
    for (const p of parts) {
      logits.set(p, off);
      off += p.length;
    }
    return { logits, classes };
  }
  const rt = await loadLiteRt(teacherBytes);
  try {
    let logits: Float32Array | undefined;
    let classes = 0;
    for (let i = 0; i < inputs.length; i++) {
      const [out] = (await rt.run([inputs[i]])) as Float32Array[];
      if (logits === undefined) {
        classes = out.length;
        logits = new Float32Array(inputs.length * classes);
      }
      for (let k = 0; k < classes; k++) logits[i * classes + k] = softmaxOutput ? Math.log(Math.max(out[k], 1e-30)) : out[k];
    }
    return { logits: logits ?? new Float32Array(0), classes };
  } finally {
    rt.dispose();
  }
}

function argmaxRows(values: Float32Array | Int32Array, classes: number, row: number): number {
  let best = 0;
  for (let k = 1; k < classes; k++) if (values[row * classes + k] > values[row * classes + best]) best = k;
  return best;
}

/** Accuracy of the executor's top class against labels, in batches. */
export async function executorAccuracy(exec: GraphExecutor, data: TrainingData, logits: number, batchSize = 256): Promise<number> {
  if (data.labels === undefined) throw new Error('accuracy needs labels');
  const shape = exec.inputShapes[0].slice(1);
  const order = Uint32Array.from(data.inputs.keys());
  let correct = 0;
  for (let s = 0; s < data.inputs.length; s += batchSize) {
    const e = Math.min(data.inputs.length, s + batchSize);
    const x = tf.tensor(stack(data.inputs, order, s, e), [e - s, ...shape]);
    const [y] = await exec.predict([x], [logits]);
    x.dispose();
    const classes = y.length / (e - s);
    for (let i = s; i < e; i++) if (argmaxRows(y, classes, i - s) === data.labels[i]) correct++;
  }
  return correct / data.inputs.length;
}

/**
 * Trains `student` (not mutated) against the teacher's soft targets and, with α > 0 and labels, the hard
 * labels. `teacher` undefined trains on labels alone (the no-teacher baseline).
 */
export async function distill(teacher: Uint8Array | undefined, student: Model, data: TrainingData, options: DistillOptions): Promise<DistillResult> {
  const batchSize = options.batchSize ?? 32;
  const T = options.temperature ?? 4;
  const alpha = teacher === undefined ? 1 : (options.alpha ?? 0.5);
  if (!(T > 0)) throw new Error('temperature must be > 0');
  if (!(alpha >= 0 && alpha <= 1)) throw new Error('alpha must be in [0, 1]');
  if (data.inputs.length === 0) throw new Error('no training data');
  const labels = data.labels;
  if (teacher === undefined && labels === undefined) throw new Error('training without a teacher needs labels');
  if (labels !== undefined && labels.length !== data.inputs.length) throw new Error('one label per sample required');

  const soft = teacher === undefined ? undefined : await teacherLogits(teacher, data.inputs, options.teacherRunner);
  const exec = new GraphExecutor(student, options.executor);
  const { tensor: studentLogits } = logitsTensor(student);
  const shape = exec.inputShapes[0].slice(1);
  const vars = exec.variables();
  const baseRate = options.learningRate ?? 1e-3;
  const optimizer = tf.train.adam(baseRate);
  // tfjs's Adam reads `learningRate` on every step but exposes no setter; a schedule writes the field.
  const setRate = (rate: number): void => void ((optimizer as unknown as { learningRate: number }).learningRate = rate);
  const rand = prng(options.seed ?? 1);
  const history: EpochStats[] = [];
  const n = data.inputs.length;
  const totalSteps = options.epochs * Math.ceil(n / batchSize);
  let step = 0;
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const order = shuffledIndices(n, rand);
      let lossSum = 0, correct = 0, agree = 0;
      for (let s = 0; s < n; s += batchSize) {
        const e = Math.min(n, s + batchSize);
        const rows = e - s;
        const x = tf.tensor(stack(data.inputs, order, s, e), [rows, ...shape]);
        const y = labels === undefined ? undefined : tf.tensor1d(Int32Array.from({ length: rows }, (_, i) => labels[order[s + i]]), 'int32');
        let t: tfjs.Tensor2D | undefined;
        if (soft !== undefined) {
          const tl = new Float32Array(rows * soft.classes);
          for (let i = 0; i < rows; i++) tl.set(soft.logits.subarray(order[s + i] * soft.classes, (order[s + i] + 1) * soft.classes), i * soft.classes);
          t = tf.tensor2d(tl, [rows, soft.classes]);
        }
        if (options.schedule === 'cosine') setRate(baseRate * 0.5 * (1 + Math.cos((Math.PI * step) / totalSteps)));
        let predicted: Int32Array | undefined;
        const lossTensor = optimizer.minimize(() => {
          const logits = exec.run([x], [studentLogits])[0] as tfjs.Tensor2D;
          predicted = tf.tidy(() => tf.argMax(logits, 1).dataSync() as Int32Array);
          return t === undefined ? crossEntropy(logits, y!) : distillationLoss(logits, t, y, { temperature: T, alpha });
        }, true, vars)!;
        step++;
        options.afterStep?.(exec, step, totalSteps);
        const loss = (await lossTensor.data())[0];
        tf.dispose([x, lossTensor]);
        if (y !== undefined) y.dispose();
        if (t !== undefined) t.dispose();
        lossSum += loss * rows;
        for (let i = 0; i < rows; i++) {
          if (labels !== undefined && predicted![i] === labels[order[s + i]]) correct++;
          if (soft !== undefined && predicted![i] === argmaxRows(soft.logits, soft.classes, order[s + i])) agree++;
        }
        options.onBatch?.(epoch, e, n, loss);
        await yieldToEventLoop();
      }
      const stats: EpochStats = { epoch, loss: lossSum / n };
      if (labels !== undefined) stats.accuracy = correct / n;
      if (soft !== undefined) stats.teacherAgreement = agree / n;
      if (options.validation?.labels !== undefined) stats.validationAccuracy = await executorAccuracy(exec, options.validation, studentLogits);
      history.push(stats);
      options.onEpoch?.(stats);
    }
    return { model: exec.toModel(), history };
  } finally {
    optimizer.dispose();
    exec.dispose();
  }
}
