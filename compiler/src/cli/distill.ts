/**
 * `mlshrink distill --teacher t.tflite --student mobilenetv2:0.35 --data <dir> --epochs N -o s.tflite`:
 * builds a student from a template with the teacher's input shape and class count, trains it on the
 * teacher's soft targets (plus labels when the data have them), and writes a float .tflite.
 */
import type { CommandModule } from 'yargs';
import { fileError, UserError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { checkOutputFile, refuseInputAsOutput } from '../io/safe-paths.js';
import { numberOption } from './number-option.js';
import { createProgress } from './progress.js';
import { parseNormalize } from '../pipeline/config.js';
import { loadModelFile } from '../inspect/load.js';
import { loadCheckedData } from '../eval/data-checks.js';
import type { Normalisation } from '../eval/inputs.js';
import type { Model } from '../ir/model.js';
import { TensorType } from '../ir/tensor-type.js';
import { weightTensors } from '../ir/graph.js';
import { numElements } from '../ir/shape.js';
import { writeModel } from '../tflite/write.js';
import type { EpochStats } from '../train/distill.js';
import { buildStudent, parseStudentSpec } from '../train/students/index.js';

interface DistillArgs {
  teacher: string;
  student: string;
  data?: string;
  idx?: string;
  val?: string;
  epochs: number;
  output: string;
  temperature: number;
  alpha: number;
  'batch-size': number;
  lr: number;
  schedule: string;
  'stem-stride': number;
  seed: number;
  limit?: number;
  normalize?: string;
  /** Hidden alias of --normalize (British spelling). */
  normalise?: string;
  'teacher-runner': string;
}

const pct = (v: number | undefined): string => (v === undefined ? '' : `${(v * 100).toFixed(2)}%`);

export function formatEpoch(s: EpochStats, epochs: number): string {
  const parts = [`epoch ${s.epoch}/${epochs}`, `loss ${s.loss.toFixed(4)}`];
  if (s.accuracy !== undefined) parts.push(`accuracy ${pct(s.accuracy)}`);
  if (s.teacherAgreement !== undefined) parts.push(`teacher agreement ${pct(s.teacherAgreement)}`);
  if (s.validationAccuracy !== undefined) parts.push(`validation ${pct(s.validationAccuracy)}`);
  return parts.join('  ');
}

/** Weights and biases of the weighted ops (what the executor trains). */
function parameterCount(model: Model): number {
  const sg = model.subgraphs[0];
  let n = 0;
  for (const op of sg.operators) {
    const w = weightTensors(model, sg, op);
    for (const t of [w?.weight, w?.bias]) if (t !== undefined) n += numElements(sg.tensors[t].shape);
  }
  return n;
}

/** A teacher that LiteRT or the executor cannot run is the user's file problem, not an internal error. */
async function distillOrExplain<T>(teacherPath: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof Error && (e.name === 'UnsupportedOpError' || e.name === 'LiteRtError')) throw fileError(teacherPath, e.message);
    throw e;
  }
}

export const distillCommand: CommandModule<object, DistillArgs> = {
  command: 'distill',
  describe: 'Train a small student network from a teacher .tflite (knowledge distillation)',
  builder: (y) =>
    y
      .option('teacher', { type: 'string', demandOption: true, describe: 'teacher .tflite (float input)' })
      .option('student', { type: 'string', demandOption: true, describe: 'template[:width]: mobilenetv2, shufflenetv2, efficientnet-lite' })
      .option('data', { type: 'string', describe: 'training data: image/tensor directory (class folders give labels), IDX images file or CSV' })
      .option('idx', { type: 'string', describe: 'IDX images file (labels file beside it is used when present)' })
      .option('val', { type: 'string', describe: 'labeled validation data (same formats) evaluated each epoch and, in LiteRT, at the end' })
      .option('epochs', numberOption('epochs', undefined, 'positive integer', { default: 5 }))
      .option('output', { alias: 'o', type: 'string', demandOption: true, describe: 'student .tflite to write' })
      .option('temperature', numberOption('temperature', undefined, 'number', { alias: 'T', default: 4 }))
      .option('alpha', numberOption('alpha', 'weight of the hard-label loss (ignored without labels)', 'number', { default: 0.5 }))
      .option('batch-size', numberOption('batch-size', undefined, 'positive integer', { default: 32 }))
      .option('lr', numberOption('lr', 'Adam learning rate', 'number', { default: 1e-3 }))
      .option('stem-stride', numberOption('stem-stride', 'stride of the student\'s first conv (1 for small images such as 28x28)', 'positive integer', { default: 2 }))
      .option('schedule', { type: 'string', default: 'cosine', choices: ['cosine', 'constant'], describe: 'learning-rate schedule over the run' })
      .option('seed', numberOption('seed', undefined, 'integer', { default: 1 }))
      .option('limit', numberOption('limit', 'use at most this many training samples (spread over the set)', 'positive integer'))
      .option('normalize', { type: 'string', describe: '"[0,1]" (default), "[-1,1]" or {"mean":[..],"std":[..]}' })
      .option('normalise', { type: 'string', hidden: true })
      .option('teacher-runner', { type: 'string', default: 'litert', choices: ['litert', 'executor'] })
      .check((a) => {
        if ((a.data === undefined) === (a.idx === undefined)) throw new UserError('give exactly one of --data or --idx');
        if (!(Number.isInteger(a.epochs) && a.epochs > 0)) throw new UserError('--epochs must be a positive integer');
        if (!(a.alpha >= 0 && a.alpha <= 1)) throw new UserError('--alpha must be in [0, 1]');
        if (!(a.temperature > 0)) throw new UserError('--temperature must be > 0');
        parseNormalize(a.normalize ?? a.normalise ?? '[0,1]');
        return true;
      }),
  handler: async (args) => {
    // The output location is checked before training; the teacher is never overwritten.
    refuseInputAsOutput(args.output, [args.teacher], 'give another -o');
    checkOutputFile(args.output, { force: true });
    const teacher = loadModelFile(args.teacher);
    const sg = teacher.model.subgraphs[0];
    const input = sg?.tensors[sg.inputs[0]];
    const output = sg?.tensors[sg.outputs[0]];
    if (!input || !output || sg.inputs.length !== 1) throw fileError(args.teacher, 'teacher must have exactly one input');
    if (input.type !== TensorType.FLOAT32) throw fileError(args.teacher, 'teacher input must be float32 (distil from the float model)');
    const shape = input.shape ?? [];
    if (shape.length !== 4 || shape[0] !== 1) throw fileError(args.teacher, `teacher input must be an image [1,H,W,C], got [${shape.join(',')}]`);
    const classes = (output.shape ?? []).at(-1) ?? 0;
    if (!(classes > 1)) throw fileError(args.teacher, 'teacher output must be class scores [1, classes]');
    try {
      parseStudentSpec(args.student);
    } catch (e) {
      throw new UserError(`--student: ${(e as Error).message}`);
    }
    const norm: Normalisation = parseNormalize(args.normalize ?? args.normalise ?? '[0,1]');
    const dataPath = (args.data ?? args.idx)!;
    // Checked against the teacher before training: samples exist, labels are its class indices, validation is labeled.
    const data = loadCheckedData(dataPath, teacher.model, { role: 'training', inputShape: shape, normalize: norm, limit: args.limit });
    const val = args.val === undefined ? undefined : loadCheckedData(args.val, teacher.model, { role: 'evaluation', inputShape: shape, normalize: norm });

    // TensorFlow.js loads only when a command trains, keeping the other commands' start-up fast.
    const { initTf } = await import('../train/backend.js');
    const { distill, logitsTensor } = await import('../train/distill.js');
    const { evaluateBytes } = await import('../train/distill-evaluate.js');
    await initTf();
    const student = buildStudent(args.student, {
      inputShape: shape.slice(1) as [number, number, number],
      classes,
      softmax: logitsTensor(teacher.model).softmaxOutput,
      seed: args.seed,
      stemStride: args['stem-stride'],
    });
    const log = (line: string): void => void process.stdout.write(line + '\n');
    log(`teacher ${args.teacher}: ${parameterCount(teacher.model)} parameters; student ${args.student}: ${parameterCount(student)} parameters`);
    log(`${data.inputs.length} training samples (${data.labels ? 'labeled' : 'unlabeled: soft targets only'})`);
    const progress = createProgress();
    const result = await distillOrExplain(args.teacher, () => distill(teacher.bytes, student, data, {
      epochs: args.epochs,
      batchSize: args['batch-size'],
      learningRate: args.lr,
      schedule: args.schedule as 'cosine' | 'constant',
      temperature: args.temperature,
      alpha: args.alpha,
      seed: args.seed,
      teacherRunner: args['teacher-runner'] as 'litert' | 'executor',
      validation: val,
      onBatch: (epoch, done, total, loss) => progress.update(`epoch ${epoch}/${args.epochs} loss ${loss.toFixed(3)}`, done, total),
      onEpoch: (s) => {
        progress.done();
        log(formatEpoch(s, args.epochs));
      },
    }));
    progress.done();
    const bytes = writeModel(result.model);
    writeFileAtomic(args.output, bytes);
    log(`wrote ${args.output} (${bytes.byteLength} bytes)`);
    if (val !== undefined) {
      const t = await evaluateBytes(teacher.bytes, val);
      const s = await evaluateBytes(bytes, val);
      log(`LiteRT accuracy on ${args.val} (${val.inputs.length} samples): teacher ${pct(t)}, student ${pct(s)}`);
    }
  },
};
