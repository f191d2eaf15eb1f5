// Recovery fine-tuning: the sparsity schedule, fake quantization identical to the int8 pass's weights with
// straight-through gradients, and a short prune + QAT + distil-from-original run on a tiny task.
import { beforeAll, describe, expect, it } from 'vitest';
import { initTf, tf } from './backend.js';
import { distill, executorAccuracy, logitsTensor } from './distill.js';
import { ActivationRanges, fakeQuantActivation, fakeQuantInt8, finetune, kthSmallest, magnitudeMask, polynomialSparsity, weightChannelAxes } from './finetune.js';
import { GraphExecutor } from './executor/executor.js';
import { prng } from './seeded.js';
import { quadrantTask } from '../testing/quadrant-task.js';
import { Act, IrBuilder } from './students/ir-builder.js';
import { activationParams, quantizeAffine, quantizeSymmetricPerChannel } from '../passes/quant-math.js';
import { tensorData } from '../ir/graph.js';
import { writeModel } from '../tflite/write.js';

beforeAll(async () => {
  await initTf('wasm');
});

describe('polynomialSparsity', () => {
  it('ramps cubically from 0 to the target, then holds', () => {
    expect(polynomialSparsity(0, 100, 0.8)).toBe(0);
    expect(polynomialSparsity(50, 100, 0.8)).toBeCloseTo(0.8 * (1 - 0.125), 12);
    expect(polynomialSparsity(100, 100, 0.8)).toBe(0.8);
    expect(polynomialSparsity(500, 100, 0.8)).toBe(0.8);
    // From an earlier round's sparsity (iterative pruning): starts there, same cubic shape.
    expect(polynomialSparsity(0, 100, 0.9, 0.7)).toBeCloseTo(0.7, 12);
    expect(polynomialSparsity(50, 100, 0.9, 0.7)).toBeCloseTo(0.9 - 0.2 * 0.125, 12);
    expect(polynomialSparsity(100, 100, 0.9, 0.7)).toBe(0.9);
  });
});

describe('magnitudeMask', () => {
  it('zeroes exactly the k smallest magnitudes, ties broken by index, as a sort by (|w|, index) does', () => {
    const rand = prng(3);
    // Values on a coarse grid, so many magnitudes tie (also across signs).
    const values = Float32Array.from({ length: 999 }, () => Math.round((rand() * 2 - 1) * 20) / 4);
    for (const sparsity of [0, 0.1, 0.5, 0.8, 0.999]) {
      const k = Math.floor(values.length * sparsity);
      const order = Array.from(values.keys()).sort((a, b) => Math.abs(values[a]!) - Math.abs(values[b]!) || a - b);
      const expected = new Float32Array(values.length).fill(1);
      for (const i of order.slice(0, k)) expected[i] = 0;
      expect(Array.from(magnitudeMask(values, sparsity))).toEqual(Array.from(expected));
    }
  });
});

describe('kthSmallest', () => {
  it('finds every rank as a sort does, with and without ties', () => {
    const rand = prng(4);
    for (const grid of [0, 8]) {
      const values = Float32Array.from({ length: 301 }, () => (grid > 0 ? Math.floor(rand() * grid) : rand()));
      const sorted = Float32Array.from(values).sort();
      for (let k = 0; k < values.length; k++) expect(kthSmallest(Float32Array.from(values), k)).toBe(sorted[k]);
    }
    expect(kthSmallest(Float32Array.of(5), 0)).toBe(5);
    expect(kthSmallest(new Float32Array(64), 40)).toBe(0);
  });
});

describe('fakeQuantInt8', () => {
  it('equals the int8 pass quantization (per output channel) dequantized, with identity gradients', () => {
    const r = prng(4);
    const shape = [3, 2, 2, 5];
    const w = Float32Array.from({ length: 60 }, () => (r() - 0.5) * (1 + r() * 3));
    for (const axis of [0, 3]) {
      const q = quantizeSymmetricPerChannel(w, shape, axis);
      const got = tf.tidy(() => fakeQuantInt8(tf.tensor(w, shape), axis).dataSync());
      const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      for (let i = 0; i < w.length; i++) {
        const c = Math.floor(i / inner) % shape[axis];
        expect(got[i]).toBeCloseTo(q.values[i] * q.scales[c], 6);
      }
    }
    const g = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(fakeQuantInt8(x, 0), tf.range(0, 60).reshape(shape))))(tf.tensor(w, shape)).dataSync());
    expect(Array.from(g)).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });
});

describe('fakeQuantActivation', () => {
  it('equals the int8 pass activation quantization dequantized; gradients pass inside the range only', () => {
    const r = prng(9);
    const x = Float32Array.from({ length: 200 }, () => (r() - 0.3) * 6);
    const [min, max] = [-1.2, 2.5]; // narrower than the data: some values clip
    const p = activationParams(min, max);
    const want = quantizeAffine(x, p);
    const got = tf.tidy(() => fakeQuantActivation(tf.tensor(x), min, max).dataSync());
    for (let i = 0; i < x.length; i++) expect(got[i]).toBeCloseTo((want[i]! - p.zeroPoint) * p.scale, 5);
    const g = tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(fakeQuantActivation(v, min, max)))(tf.tensor(x)).dataSync());
    const lo = (-128 - p.zeroPoint) * p.scale, hi = (127 - p.zeroPoint) * p.scale;
    for (let i = 0; i < x.length; i++) expect(g[i], `x=${x[i]}`).toBe(x[i]! >= lo && x[i]! <= hi ? 1 : 0);
    expect(g.some((v) => v === 0) && g.some((v) => v === 1)).toBe(true);
  });

  it('the executor applies the activation transform to every float op output except the model outputs', () => {
    const b = new IrBuilder(5, 'tiny');
    let x = b.input('image', [1, 12, 12, 1]);
    x = b.conv(x, { out: 4, kernel: 3, stride: 2, act: Act.RELU });
    const model = b.finish([b.softmax(b.dense(b.globalPool(x), 4))]);
    const seen: number[] = [];
    const ranges = new ActivationRanges();
    const exec = new GraphExecutor(model, { activationTransform: (t, v) => { seen.push(t); return ranges.apply(t, v); } });
    tf.tidy(() => exec.run([tf.tensor(quadrantTask(2, 3).inputs.flatMap((v) => Array.from(v)), [2, 12, 12, 1])]));
    const sg = model.subgraphs[0]!;
    const expected = sg.operators.flatMap((op) => op.outputs).filter((t) => !sg.outputs.includes(t));
    expect(seen).toEqual(expected);
    for (const t of expected) expect(ranges.get(t)).toBeDefined();
    exec.dispose();
  });
});

describe('finetune', () => {
  it('prunes to exactly the target sparsity with QAT, distilled from the original, keeping accuracy', async () => {
    const b = new IrBuilder(5, 'tiny');
    let x = b.input('image', [1, 12, 12, 1]);
    x = b.conv(x, { out: 16, kernel: 3, stride: 2, act: Act.RELU });
    x = b.depthwise(x, { kernel: 3, stride: 2, act: Act.RELU });
    const initial = b.finish([b.softmax(b.dense(b.globalPool(x), 4))]);
    const data = quadrantTask(128, 1);
    const heldOut = quadrantTask(64, 2);
    const original = (await distill(undefined, initial, data, { epochs: 8, batchSize: 16, learningRate: 1e-2, seed: 1 })).model;
    const accuracy = async (m: typeof original): Promise<number> => {
      const e = new GraphExecutor(m);
      const acc = await executorAccuracy(e, heldOut, logitsTensor(m).tensor);
      e.dispose();
      return acc;
    };
    const before = await accuracy(original);
    expect(before).toBeGreaterThan(0.85);

    const { model } = await finetune(original, data, { epochs: 4, batchSize: 16, learningRate: 2e-3, sparsity: 0.5, qat: true, teacher: writeModel(original), seed: 2 });
    const sg = model.subgraphs[0];
    for (const t of weightChannelAxes(model).keys()) {
      const v = tensorData(model, sg.tensors[t]) as Float32Array;
      expect(v.filter((x) => x === 0).length).toBe(Math.floor(v.length * 0.5));
    }
    expect(await accuracy(model)).toBeGreaterThan(before - 0.1);
  });
});
