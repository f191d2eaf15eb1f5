// The executor computes what LiteRT computes: same inputs, outputs within 1e-4 relative, on a seeded
// CNN built through our writer, on two MediaPipe models (fp16 weights via DEQUANTIZE, PAD, pools,
// residual ADDs, MEAN, FC, LOGISTIC), and on the reference Fashion-MNIST model once it is in the assets.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTf, tf } from '../backend.js';
import { prng } from '../seeded.js';
import { fashionCnnModel } from '../fashion-cnn-tflite.js';
import { initialWeights } from '../fashion-cnn.js';
import { GraphExecutor, UnsupportedOpError } from './executor.js';
import { float16BitsToFloat32 as halfToFloat, float32ToFloat16Bits as floatToHalf } from '../../ir/float16.js';
import { readModel } from '../../tflite/read.js';
import { writeModel } from '../../tflite/write.js';
import { loadLiteRt } from '../../eval/litert.js';
import { readFixture, REPO_ROOT } from '../../testing/fixtures.js';
import type { Model } from '../../ir/model.js';

beforeAll(async () => {
  await initTf('wasm');
});

function randomInput(shape: number[], seed: number): Float32Array {
  const r = prng(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() * 2 - 1);
}

/** max |a − b| over max |b|, per output, worst over outputs. */
function relativeError(got: Float32Array[], want: Float32Array[]): number {
  let worst = 0;
  want.forEach((w, k) => {
    expect(got[k].length).toBe(w.length);
    let diff = 0;
    let scale = 1e-6;
    for (let i = 0; i < w.length; i++) {
      diff = Math.max(diff, Math.abs(got[k][i] - w[i]));
      scale = Math.max(scale, Math.abs(w[i]));
    }
    worst = Math.max(worst, diff / scale);
  });
  return worst;
}

async function compareWithLiteRt(model: Model, bytes: Uint8Array, seed: number): Promise<number> {
  const exec = new GraphExecutor(model);
  const shape = exec.inputShapes[0];
  const input = randomInput(shape, seed);
  const got = await exec.predict([tf.tensor(input, shape)]);
  exec.dispose();
  const rt = await loadLiteRt(bytes);
  const want = (await rt.run([input])) as Float32Array[];
  rt.dispose();
  return relativeError(got, want);
}

function seededCnn(): Model {
  const w = initialWeights(prng(11));
  const r = prng(12);
  for (const k of ['conv1B', 'conv2B', 'fc1B', 'fc2B'] as const) w[k] = w[k].map(() => (r() - 0.5) * 0.2);
  return fashionCnnModel(w);
}

describe('GraphExecutor vs LiteRT', () => {
  it('seeded Fashion-MNIST CNN written with writeModel', async () => {
    const bytes = writeModel(seededCnn());
    expect(await compareWithLiteRt(readModel(bytes), bytes, 1)).toBeLessThan(1e-4);
  });

  for (const name of ['face_detection_short_range', 'hand_landmark_lite']) {
    it(`MediaPipe ${name}`, async () => {
      const bytes = readFixture(`mediapipe/${name}.tflite`);
      expect(await compareWithLiteRt(readModel(bytes), bytes, 2)).toBeLessThan(1e-4);
    });
  }

  it('MediaPipe selfie_segmentation up to its custom op (AVERAGE_POOL SAME, HARD_SWISH, MUL, LOGISTIC, RESIZE_BILINEAR)', async () => {
    const full = readModel(readFixture('mediapipe/selfie_segmentation.tflite'));
    const sg = full.subgraphs[0];
    const custom = sg.operators.findIndex((op) => full.operatorCodes[op.opcodeIndex].customCode === 'Convolution2DTransposeBias');
    const features = sg.operators[custom].inputs[0];
    const cut: Model = {
      ...full,
      subgraphs: [{ ...sg, operators: sg.operators.slice(0, custom), outputs: [features] }],
      signatureDefs: full.signatureDefs?.map((d) => ({ ...d, outputs: [{ name: 'features', tensorIndex: features }] })),
    };
    const names = new Set(cut.subgraphs[0].operators.map((op) => full.operatorCodes[op.opcodeIndex].builtinCode));
    for (const code of [1, 23, 117, 18, 14]) expect(names).toContain(code);
    const bytes = writeModel(cut);
    expect(await compareWithLiteRt(readModel(bytes), bytes, 4)).toBeLessThan(1e-4);
  });

  const reference = join(REPO_ROOT, 'sample-android-app/src/main/assets/fashion_mnist_cnn.tflite');
  it.skipIf(!existsSync(reference))('reference Fashion-MNIST model', async () => {
    const bytes = new Uint8Array(readFileSync(reference));
    expect(await compareWithLiteRt(readModel(bytes), bytes, 3)).toBeLessThan(1e-4);
  });
});

describe('GraphExecutor training', () => {
  it('runs any batch, trains, and writes weights back without touching the input model', async () => {
    const model = readModel(writeModel(seededCnn()));
    const before = model.buffers.map((b) => b.data.slice());
    const exec = new GraphExecutor(model);
    expect(exec.parameterCount()).toBe(32 * 9 + 32 + 64 * 9 * 32 + 64 + 3136 * 320 + 320 + 3200 + 10);
    const x = tf.tensor(randomInput([4, 28, 28, 1], 5), [4, 28, 28, 1]);
    const target = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 10);
    const opt = tf.train.adam(1e-3);
    const loss = (): tf.Scalar => tf.losses.softmaxCrossEntropy(target, exec.run([x], [exec.subgraph.operators.at(-1)!.inputs[0]])[0]) as tf.Scalar;
    const l0 = tf.tidy(() => loss().dataSync()[0]);
    for (let i = 0; i < 5; i++) tf.dispose(opt.minimize(loss, false, exec.variables()) ?? undefined);
    const l1 = tf.tidy(() => loss().dataSync()[0]);
    expect(l1).toBeLessThan(l0 * 0.8);

    const trained = exec.toModel();
    model.buffers.forEach((b, i) => expect(Buffer.from(b.data).equals(Buffer.from(before[i]))).toBe(true));
    const bytes = writeModel(trained);
    // The trained model, run by LiteRT, matches the executor's trained function.
    const one = randomInput([1, 28, 28, 1], 6);
    const [mine] = await exec.predict([tf.tensor(one, [1, 28, 28, 1])]);
    const rt = await loadLiteRt(bytes);
    const [theirs] = (await rt.run([one])) as Float32Array[];
    rt.dispose();
    expect(relativeError([mine], [theirs])).toBeLessThan(1e-4);
    exec.dispose();
    opt.dispose();
  });

  it('fp16 weights train through DEQUANTIZE and are written back as fp16', async () => {
    const model = readModel(readFixture('mediapipe/face_detection_short_range.tflite'));
    const exec = new GraphExecutor(model);
    const vars = exec.variables();
    expect(vars.length).toBeGreaterThan(50);
    vars[0].assign(tf.mul(vars[0], 1.5));
    const trained = writeModel(exec.toModel());
    const again = new GraphExecutor(readModel(trained));
    const a = vars[0].dataSync();
    const b = again.variables()[0].dataSync();
    for (let i = 0; i < a.length; i++) expect(b[i]).toBe(halfToFloat(floatToHalf(a[i])));
    again.dispose();
    exec.dispose();
  });

  it('names the unsupported op', () => {
    const model = readModel(readFixture('mediapipe/selfie_segmentation.tflite'));
    expect(() => new GraphExecutor(model)).toThrow(UnsupportedOpError);
    expect(() => new GraphExecutor(model)).toThrow(/Convolution2DTransposeBias/);
  });

  it('refuses quantized (int8) graphs', () => {
    expect(() => new GraphExecutor(readModel(readFixture('tflm/person_detect.tflite')))).toThrow(/float graphs only/);
  });

  it('half-precision conversions round to nearest even', () => {
    for (const v of [0, 1, -2.5, 65504, 6.1e-5, 5.96e-8, 0.1, 3.14159]) {
      expect(Math.abs(halfToFloat(floatToHalf(v)) - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 3e-8);
    }
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(-2)).toBe(0xc000);
    expect(halfToFloat(0x7bff)).toBe(65504);
  });
});
