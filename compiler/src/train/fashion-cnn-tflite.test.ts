// The TFLite export of the reference CNN computes what the tfjs model computes: random (seeded) weights,
// our writer, the real LiteRT runtime, compared with tfjs's softmax on real images.
import { beforeAll, describe, expect, it } from 'vitest';
import { initTf, tf } from './backend.js';
import { imageBatch, initialWeights, logits, toVariables } from './fashion-cnn.js';
import { fashionCnnModel, hwioToOhwi, transpose2d } from './fashion-cnn-tflite.js';
import { prng } from './seeded.js';
import { writeModel } from '../tflite/write.js';
import { readModel } from '../tflite/read.js';
import { loadLiteRt } from '../eval/litert.js';
import { fashionMnistAvailable, readFashionMnist } from '../data/fashion-mnist.js';

beforeAll(async () => {
  await initTf('wasm');
});

describe('layout conversions', () => {
  it('HWIO -> OHWI and [in,out] -> [out,in]', () => {
    // HWIO [1,2,2,3]: value encodes (h,w,i,o) as h*1000 + w*100 + i*10 + o.
    const shape = [1, 2, 2, 3];
    const hwio = new Float32Array(12);
    for (let w = 0; w < 2; w++) for (let i = 0; i < 2; i++) for (let o = 0; o < 3; o++) hwio[(w * 2 + i) * 3 + o] = w * 100 + i * 10 + o;
    const ohwi = hwioToOhwi(hwio, shape);
    for (let o = 0; o < 3; o++) for (let w = 0; w < 2; w++) for (let i = 0; i < 2; i++) expect(ohwi[(o * 2 + w) * 2 + i]).toBe(w * 100 + i * 10 + o);
    expect(Array.from(transpose2d(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]))).toEqual([1, 4, 2, 5, 3, 6]);
  });
});

describe.skipIf(!fashionMnistAvailable())('fashionCnnModel', () => {
  it('runs in LiteRT with the same probabilities as tfjs (seeded random weights)', async () => {
    const weights = initialWeights(prng(3));
    // Non-zero biases so that bias placement is checked too.
    const r = prng(4);
    for (const k of ['conv1B', 'conv2B', 'fc1B', 'fc2B'] as const) weights[k] = weights[k].map(() => (r() - 0.5) * 0.2);
    const bytes = writeModel(fashionCnnModel(weights));
    expect(bytes.length).toBeGreaterThan(4_000_000);
    expect(Buffer.from(writeModel(readModel(bytes))).equals(Buffer.from(bytes))).toBe(true); // stable round trip
    const model = await loadLiteRt(bytes);
    const data = readFashionMnist('t10k');
    const params = toVariables(weights);
    const want = tf.tidy(() => tf.softmax(logits(params, imageBatch(data.images, 0, 8))).dataSync());
    let maxDiff = 0;
    for (let i = 0; i < 8; i++) {
      const input = Float32Array.from(data.images.subarray(i * 784, (i + 1) * 784), (v) => v / 255);
      const [out] = (await model.run([input])) as Float32Array[];
      for (let k = 0; k < 10; k++) maxDiff = Math.max(maxDiff, Math.abs(out[k] - want[i * 10 + k]));
    }
    model.dispose();
    expect(maxDiff).toBeLessThan(1e-4);
  });
});
