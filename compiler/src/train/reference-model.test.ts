// The committed reference model of the sample app, judged by the real LiteRT runtime on held-out
// Fashion-MNIST test images.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../testing/fixtures.js';
import { readModel } from '../tflite/read.js';
import { builtinOpName } from '../tflite/builtin-ops.js';
import { evaluateTflite } from './evaluate-tflite.js';
import { fashionMnistAvailable, readFashionMnist } from '../data/fashion-mnist.js';

const MODEL = path.join(REPO_ROOT, 'sample-android-app/src/main/assets/fashion_mnist_cnn.tflite');

describe('sample-android-app fashion_mnist_cnn.tflite', () => {
  const bytes = new Uint8Array(readFileSync(MODEL));

  it('is a float32 CNN with over a million parameters and the agreed op set', () => {
    const model = readModel(bytes);
    const sg = model.subgraphs[0];
    const ops = sg.operators.map((op) => builtinOpName(model.operatorCodes[op.opcodeIndex].builtinCode));
    expect(ops).toEqual(['CONV_2D', 'MAX_POOL_2D', 'CONV_2D', 'MAX_POOL_2D', 'RESHAPE', 'FULLY_CONNECTED', 'FULLY_CONNECTED', 'SOFTMAX']);
    expect(sg.tensors[sg.inputs[0]].shape).toEqual([1, 28, 28, 1]);
    expect(sg.tensors[sg.outputs[0]].shape).toEqual([1, 10]);
    const params = sg.tensors
      .filter((t) => t.buffer > 0 && t.type === 0 /* FLOAT32 */)
      .reduce((n, t) => n + t.shape!.reduce((a, b) => a * b, 1), 0);
    expect(params).toBeGreaterThan(1_000_000);
  });

  it.skipIf(!fashionMnistAvailable())('reaches >= 90 % on the first 1,000 test images in LiteRT', async () => {
    const r = await evaluateTflite(bytes, readFashionMnist('t10k'), 1000);
    expect(r.accuracy).toBeGreaterThanOrEqual(0.9);
    // Real probabilities: each row sums to 1.
    for (let i = 0; i < 1000; i += 97) {
      const row = r.probabilities.subarray(i * 10, i * 10 + 10);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    }
  });
});
