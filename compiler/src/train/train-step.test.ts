// Training on the wasm backend: the hand-written dense gradient equals autodiff, and a few seeded Adam
// steps of the reference CNN on real Fashion-MNIST images reduce the loss, reproducibly.
import { beforeAll, describe, expect, it } from 'vitest';
import { initTf, tf } from './backend.js';
import { dense } from './dense.js';
import { imageBatch, initialWeights, logits, parameterCount, toVariables, NUM_CLASSES } from './fashion-cnn.js';
import { prng } from './seeded.js';
import { fashionMnistAvailable, readFashionMnist } from '../data/fashion-mnist.js';

beforeAll(async () => {
  expect(await initTf('wasm')).toBe('wasm');
});

describe('dense', () => {
  it('gradient matches autodiff of x·W + b', () => {
    const r = prng(5);
    const rnd = (shape: number[]) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() - 0.5), shape);
    const [x, w, b] = [rnd([6, 9]), rnd([9, 4]), rnd([4])] as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const loss = (f: (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor) =>
      (a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(tf.square(f(a as tf.Tensor2D, c as tf.Tensor2D, d as tf.Tensor1D)));
    const got = tf.grads(loss(dense))([x, w, b]);
    const want = tf.grads(loss((a, c, d) => tf.add(tf.matMul(a, c), d)))([x, w, b]);
    for (let i = 0; i < 3; i++) {
      expect(got[i].shape).toEqual(want[i].shape);
      const g = got[i].dataSync(), e = want[i].dataSync();
      for (let j = 0; j < e.length; j++) expect(g[j]).toBeCloseTo(e[j], 4);
    }
  });
});

describe.skipIf(!fashionMnistAvailable())('reference CNN training step', () => {
  it('has over a million parameters', () => {
    expect(parameterCount()).toBe(1_025_866);
  });

  it('five seeded Adam steps on 32 images reduce the loss, identically twice', async () => {
    const data = readFashionMnist('train');
    const run = async (): Promise<number[]> => {
      const rand = prng(11);
      const params = toVariables(initialWeights(rand));
      const opt = tf.train.adam(1e-3);
      const x = imageBatch(data.images, 0, 32);
      const y = tf.oneHot(tf.tensor1d(Array.from(data.labels.subarray(0, 32)), 'int32'), NUM_CLASSES);
      const losses: number[] = [];
      for (let s = 0; s < 5; s++) {
        const l = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, logits(params, x, { rate: 0.3, rand })), true)!;
        losses.push(l.dataSync()[0]);
        l.dispose();
      }
      Object.values(params).forEach((v) => v.dispose());
      opt.dispose();
      tf.dispose([x, y]);
      return losses;
    };
    const a = await run();
    expect(a[0]).toBeGreaterThan(1.8); // ~ln(10) at initialisation
    expect(a[4]).toBeLessThan(a[0] * 0.85);
    expect(await run()).toEqual(a);
  });
});
