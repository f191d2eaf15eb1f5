// Distillation experiment on Fashion-MNIST (not a test; long-running): the same student, same seed and data
// order, trained (a) with the teacher's soft targets plus labels and (b) on labels alone; all three models are
// scored by LiteRT on the test split. Prints one line per epoch and a JSON summary at the end.
//   nice -n 10 node --import tsx scripts/distill-experiment.ts [--teacher path] [--student mobilenetv2:0.25]
//     [--train 60000] [--test 10000] [--epochs 5] [--batch 32] [--lr 0.002] [--schedule cosine|constant] [--temperature 4] [--alpha 0.5]
//     [--seed 1] [--stem-stride 2] [--out results.json] [--save-dir dir] [--arm both|distilled|labels-only]
// `--arm` runs one of the two trainings, so the pair can run as two processes on two cores.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readFashionMnist } from '../compiler/src/data/fashion-mnist.js';
import { initTf } from '../compiler/src/train/backend.js';
import { distill, logitsTensor, type EpochStats, type TrainingData } from '../compiler/src/train/distill.js';
import { evaluateBytes } from '../compiler/src/train/distill-evaluate.js';
import { GraphExecutor } from '../compiler/src/train/executor/executor.js';
import { buildStudent } from '../compiler/src/train/students/index.js';
import { prng, shuffledIndices } from '../compiler/src/train/seeded.js';
import { readModel } from '../compiler/src/tflite/read.js';
import { writeModel } from '../compiler/src/tflite/write.js';
import { REPO_ROOT } from '../compiler/src/testing/fixtures.js';

const { values: a } = parseArgs({
  options: {
    teacher: { type: 'string', default: join(REPO_ROOT, 'sample-android-app/src/main/assets/fashion_mnist_cnn.tflite') },
    student: { type: 'string', default: 'mobilenetv2:0.25' },
    train: { type: 'string', default: '60000' },
    test: { type: 'string', default: '10000' },
    epochs: { type: 'string', default: '5' },
    batch: { type: 'string', default: '32' },
    lr: { type: 'string', default: '0.002' },
    schedule: { type: 'string', default: 'cosine' },
    temperature: { type: 'string', default: '4' },
    alpha: { type: 'string', default: '0.5' },
    seed: { type: 'string', default: '1' },
    'stem-stride': { type: 'string', default: '2' },
    out: { type: 'string' },
    'save-dir': { type: 'string' },
    arm: { type: 'string', default: 'both' },
  },
});

if (!existsSync(a.teacher!)) throw new Error(`teacher ${a.teacher} not found (train the reference model first)`);
const teacherBytes = new Uint8Array(readFileSync(a.teacher!));
const teacher = readModel(teacherBytes);

function subset(split: 'train' | 't10k', n: number, seed: number): TrainingData {
  const d = readFashionMnist(split);
  const take = Math.min(n, d.count);
  // A seeded random subset, so a smaller run still covers every class evenly in expectation.
  const order = take < d.count ? shuffledIndices(d.count, prng(seed)).subarray(0, take) : Uint32Array.from({ length: take }, (_, i) => i);
  const size = d.rows * d.cols;
  const inputs = Array.from(order, (i) => Float32Array.from(d.images.subarray(i * size, (i + 1) * size), (v) => v / 255));
  return { inputs, labels: Array.from(order, (i) => d.labels[i]) };
}

const backend = await initTf();
const train = subset('train', Number(a.train), 101);
const test = subset('t10k', Number(a.test), 202);
const params = (m: ReturnType<typeof readModel>): number => {
  const e = new GraphExecutor(m, {});
  const n = e.parameterCount();
  e.dispose();
  return n;
};
const student = buildStudent(a.student!, { inputShape: [28, 28, 1], classes: 10, softmax: logitsTensor(teacher).softmaxOutput, seed: Number(a.seed), stemStride: Number(a['stem-stride']) });
const teacherParams = params(teacher), studentParams = params(student);
console.log(`backend ${backend}; teacher ${teacherParams} params, student ${a.student} ${studentParams} params (${((100 * studentParams) / teacherParams).toFixed(1)} %)`);
console.log(`stem stride ${a['stem-stride']}, schedule ${a.schedule}; train ${train.inputs.length}, test ${test.inputs.length}, epochs ${a.epochs}, batch ${a.batch}, lr ${a.lr}, T ${a.temperature}, alpha ${a.alpha}`);

const teacherAcc = await evaluateBytes(teacherBytes, test);
console.log(`teacher LiteRT test accuracy ${(teacherAcc * 100).toFixed(2)} %`);

const common = { epochs: Number(a.epochs), batchSize: Number(a.batch), learningRate: Number(a.lr), seed: Number(a.seed), schedule: a.schedule as 'cosine' | 'constant' };
const line = (tag: string) => (s: EpochStats): void => {
  console.log(`[${tag}] epoch ${s.epoch} loss ${s.loss.toFixed(4)} train acc ${((s.accuracy ?? 0) * 100).toFixed(2)} %` +
    (s.teacherAgreement !== undefined ? ` agreement ${(s.teacherAgreement * 100).toFixed(2)} %` : '') + ` (${new Date().toISOString()})`);
};
async function trainArm(tag: string, withTeacher: boolean): Promise<{ accuracy: number; bytes: Uint8Array; history: EpochStats[] }> {
  const t0 = Date.now();
  const result = withTeacher
    ? await distill(teacherBytes, student, train, { ...common, temperature: Number(a.temperature), alpha: Number(a.alpha), teacherRunner: 'executor', onEpoch: line(tag) })
    : await distill(undefined, student, train, { ...common, onEpoch: line(tag) });
  const bytes = writeModel(result.model);
  const accuracy = await evaluateBytes(bytes, test);
  console.log(`${tag} student LiteRT test accuracy ${(accuracy * 100).toFixed(2)} % (${((Date.now() - t0) / 60000).toFixed(1)} min)`);
  if (a['save-dir'] !== undefined) writeFileSync(join(a['save-dir'], `student-${tag}.tflite`), bytes);
  return { accuracy, bytes, history: result.history };
}
if (!['both', 'distilled', 'labels-only'].includes(a.arm!)) throw new Error(`--arm must be both, distilled or labels-only`);
const distilled = a.arm === 'labels-only' ? undefined : await trainArm('distilled', true);
const baseline = a.arm === 'distilled' ? undefined : await trainArm('labels-only', false);
const distilledAcc = distilled?.accuracy ?? NaN, baselineAcc = baseline?.accuracy ?? NaN;

const summary = {
  teacher: { path: a.teacher, params: teacherParams, testAccuracy: teacherAcc },
  student: { spec: a.student, params: studentParams, paramRatio: studentParams / teacherParams },
  settings: { ...common, train: train.inputs.length, test: test.inputs.length, temperature: Number(a.temperature), alpha: Number(a.alpha), backend },
  distilled: distilled && { testAccuracy: distilledAcc, history: distilled.history },
  labelsOnly: baseline && { testAccuracy: baselineAcc, history: baseline.history },
  pointsBelowTeacher: (teacherAcc - distilledAcc) * 100,
  pointsOverLabelsOnly: (distilledAcc - baselineAcc) * 100,
};
console.log(JSON.stringify({ ...summary, distilled: { testAccuracy: distilledAcc }, labelsOnly: { testAccuracy: baselineAcc } }));
if (a.out !== undefined) writeFileSync(a.out, JSON.stringify(summary, null, 2) + '\n');
