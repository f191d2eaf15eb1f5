import { beforeAll, describe, expect, it } from 'vitest';
import { initTf, tf } from '../backend.js';
import { prng } from '../seeded.js';
import { matMulTransposedWeights } from './ops.js';

beforeAll(async () => {
  await initTf('wasm');
});

describe('matMulTransposedWeights', () => {
  it('computes x·Wᵀ and the gradients tfjs derives for it, for x and for W', () => {
    const rand = prng(5);
    const x = tf.tensor2d(Float32Array.from({ length: 7 * 13 }, () => rand() * 2 - 1), [7, 13]);
    const w = tf.tensor2d(Float32Array.from({ length: 5 * 13 }, () => rand() * 2 - 1), [5, 13]);
    const dy = tf.tensor2d(Float32Array.from({ length: 7 * 5 }, () => rand() * 2 - 1), [7, 5]);
    const loss = (f: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor) => (a: tf.Tensor, b: tf.Tensor): tf.Tensor => tf.sum(tf.mul(f(a as tf.Tensor2D, b as tf.Tensor2D), dy));
    const ours = tf.grads(loss((a, b) => matMulTransposedWeights(a, b) as tf.Tensor))([x, w]);
    const reference = tf.grads(loss((a, b) => tf.matMul(a, b, false, true)))([x, w]);
    for (let i = 0; i < 2; i++) {
      expect(ours[i]!.shape).toEqual(reference[i]!.shape);
      const a = ours[i]!.dataSync(), b = reference[i]!.dataSync();
      for (let j = 0; j < a.length; j++) expect(a[j]).toBeCloseTo(b[j]!, 5);
    }
    expect(Array.from((matMulTransposedWeights(x, w) as tf.Tensor).dataSync())).toEqual(Array.from(tf.matMul(x, w, false, true).dataSync()).map((v) => expect.closeTo(v, 5)));
  });
});
