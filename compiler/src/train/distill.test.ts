// Distillation: the loss formula on hand-made logits, and short runs on a tiny synthetic task where a
// teacher is first trained on labels, then distilled into a different student architecture.
import { beforeAll, describe, expect, it } from 'vitest';
import { initTf, tf } from './backend.js';
import { distillationLoss } from './distill-loss.js';
import { distill, logitsTensor, teacherLogits } from './distill.js';
import { quadrantTask } from '../testing/quadrant-task.js';
import { Act, IrBuilder } from './students/ir-builder.js';
import { buildStudent } from './students/index.js';
import { writeModel } from '../tflite/write.js';
import type { Model } from '../ir/model.js';

beforeAll(async () => {
  await initTf('wasm');
});

const softmax = (z: number[], T = 1): number[] => {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp((v - m) / T));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

describe('distillationLoss', () => {
  const student = [[1, 2, 3], [0.5, -1, 0]];
  const teacher = [[3, 1, 0], [0, 0, 2]];
  const labels = [2, 0];
  // By hand: KL(p_t ‖ p_s) at temperature T, and CE at temperature 1, batch means.
  const kl = (T: number): number =>
    student.reduce((acc, s, i) => {
      const pt = softmax(teacher[i], T), ps = softmax(s, T);
      return acc + pt.reduce((a, p, k) => a + p * Math.log(p / ps[k]), 0);
    }, 0) / student.length;
  const ce = student.reduce((acc, s, i) => acc - Math.log(softmax(s)[labels[i]]), 0) / student.length;

  it('is α·CE + (1−α)·T²·KL', () => {
    const got = tf.tidy(() => distillationLoss(tf.tensor2d(student), tf.tensor2d(teacher), tf.tensor1d(labels, 'int32'), { temperature: 2, alpha: 0.3 }).dataSync()[0]);
    expect(got).toBeCloseTo(0.3 * ce + 0.7 * 4 * kl(2), 5);
  });

  it('uses the soft targets alone without labels, and is 0 when the student equals the teacher', () => {
    const got = tf.tidy(() => distillationLoss(tf.tensor2d(student), tf.tensor2d(teacher), undefined, { temperature: 3, alpha: 0.9 }).dataSync()[0]);
    expect(got).toBeCloseTo(9 * kl(3), 5);
    const same = tf.tidy(() => distillationLoss(tf.tensor2d(teacher), tf.tensor2d(teacher), undefined, { temperature: 3, alpha: 0 }).dataSync()[0]);
    expect(Math.abs(same)).toBeLessThan(1e-6);
  });

  it('has the soft-target gradient T·(softmax(s/T) − softmax(t/T)) / batch', () => {
    const T = 4;
    const g = tf.tidy(() => tf.grad((s: tf.Tensor) => distillationLoss(s as tf.Tensor2D, tf.tensor2d(teacher), undefined, { temperature: T, alpha: 0 }))(tf.tensor2d(student)).arraySync() as number[][]);
    student.forEach((s, i) => {
      const ps = softmax(s, T), pt = softmax(teacher[i], T);
      s.forEach((_, k) => expect(g[i][k]).toBeCloseTo((T * (ps[k] - pt[k])) / student.length, 5));
    });
  });
});

function tinyTeacher(): Model {
  const b = new IrBuilder(5, 'tiny teacher');
  let x = b.input('image', [1, 12, 12, 1]);
  x = b.conv(x, { out: 8, kernel: 3, stride: 2, act: Act.RELU });
  x = b.conv(x, { out: 16, kernel: 3, stride: 2, act: Act.RELU });
  return b.finish([b.softmax(b.dense(b.globalPool(x), 4))]);
}

describe('distill', () => {
  const data = quadrantTask(96, 1);
  const heldOut = quadrantTask(64, 2);
  let teacherBytes: Uint8Array;

  it('trains a teacher on labels alone (no-teacher mode)', async () => {
    const { model, history } = await distill(undefined, tinyTeacher(), data, { epochs: 6, batchSize: 16, learningRate: 1e-2, seed: 1, validation: heldOut });
    teacherBytes = writeModel(model);
    expect(history[history.length - 1].loss).toBeLessThan(history[0].loss);
    expect(history[history.length - 1].validationAccuracy).toBeGreaterThan(0.85);
  });

  it('LiteRT and executor teachers give the same soft targets (log p for a SOFTMAX output)', async () => {
    const a = await teacherLogits(teacherBytes, data.inputs.slice(0, 8), 'litert');
    const b = await teacherLogits(teacherBytes, data.inputs.slice(0, 8), 'executor');
    expect(a.classes).toBe(4);
    for (let i = 0; i < 8; i++) {
      const pa = softmax(Array.from(a.logits.subarray(i * 4, i * 4 + 4)), 4);
      const pb = softmax(Array.from(b.logits.subarray(i * 4, i * 4 + 4)), 4);
      pa.forEach((p, k) => expect(Math.abs(p - pb[k])).toBeLessThan(1e-5));
    }
  });

  it('a few epochs on unlabeled data reduce the loss and raise agreement with the teacher; deterministic per seed', async () => {
    const student = buildStudent('mobilenetv2:0.35', { inputShape: [12, 12, 1], classes: 4, softmax: true, depth: 0.34, seed: 3 });
    expect(logitsTensor(student).softmaxOutput).toBe(true);
    const unlabeled = { inputs: data.inputs };
    const run = () => distill(teacherBytes, student, unlabeled, { epochs: 4, batchSize: 16, learningRate: 5e-3, temperature: 2, seed: 9 });
    const first = await run();
    const h = first.history;
    expect(h[h.length - 1].loss).toBeLessThan(h[0].loss * 0.8);
    expect(h[h.length - 1].teacherAgreement).toBeGreaterThan(Math.max(0.8, h[0].teacherAgreement!));
    expect(h[0].accuracy).toBeUndefined();
    const again = await run();
    expect(Buffer.from(writeModel(again.model)).equals(Buffer.from(writeModel(first.model)))).toBe(true);
    expect(Buffer.from(writeModel(first.model)).equals(Buffer.from(writeModel(student)))).toBe(false);
  });

  it('a cosine schedule changes the trajectory, and still learns', async () => {
    const constant = await distill(undefined, tinyTeacher(), data, { epochs: 3, batchSize: 16, learningRate: 1e-2, seed: 1 });
    const cosine = await distill(undefined, tinyTeacher(), data, { epochs: 3, batchSize: 16, learningRate: 1e-2, seed: 1, schedule: 'cosine' });
    expect(cosine.history[0].loss).not.toBe(constant.history[0].loss);
    expect(cosine.history[2].loss).toBeLessThan(cosine.history[0].loss);
  });

  it('rejects a teacher-less run without labels and bad hyper-parameters', async () => {
    await expect(distill(undefined, tinyTeacher(), { inputs: data.inputs }, { epochs: 1 })).rejects.toThrow(/labels/);
    await expect(distill(teacherBytes, tinyTeacher(), data, { epochs: 1, alpha: 2 })).rejects.toThrow(/alpha/);
  });
});
