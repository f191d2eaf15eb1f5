import { describe, expect, it } from 'vitest';
import { readFixture } from '../testing/fixtures.js';
import { readModel } from '../tflite/read.js';
import { evaluate, openFloatRunner, type ModelUnderTest } from './evaluate.js';

function fixture(rel: string): ModelUnderTest {
  const bytes = readFixture(rel);
  return { bytes, model: readModel(bytes) };
}

const xs = Array.from({ length: 24 }, (_, i) => Float32Array.of((i * 2 * Math.PI) / 24));

describe('evaluate', () => {
  it('feeds an int8-input model through its input scale/zero point and dequantizes its output', async () => {
    const runner = await openFloatRunner(fixture('tflm/hello_world_int8.tflite'));
    try {
      expect(runner.inputShape).toEqual([1, 1]);
      for (const x of xs) {
        const [y] = await runner.run(x);
        expect(y).toBeInstanceOf(Float32Array);
        expect(Math.abs(y![0]! - Math.sin(x[0]!))).toBeLessThan(0.25); // the net approximates sin
      }
    } finally {
      runner.dispose();
    }
  });

  it('compares a float and an int8 model on the same inputs (fidelity, and accuracy with labels)', async () => {
    // Labels: 1 when sin(x) > 0; a 1-output model's argmax is always 0, so accuracy = share of label 0.
    const labels = xs.map((x) => (Math.sin(x[0]!) > 0 ? 1 : 0));
    const ev = await evaluate(fixture('tflm/hello_world_float.tflite'), fixture('tflm/hello_world_int8.tflite'), { inputs: xs, labels });
    expect(ev.samples).toBe(24);
    expect(ev.fidelity.outputs[0]!.sqnrDb).toBeGreaterThan(15);
    expect(ev.fidelity.outputs[0]!.cosine).toBeGreaterThan(0.98);
    const zeros = labels.filter((l) => l === 0).length / labels.length;
    expect(ev.accuracyBefore).toBeCloseTo(zeros, 12);
    expect(ev.accuracyDrop).toBeCloseTo(0, 12);
  });
});
