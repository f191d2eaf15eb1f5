import { describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import { readFixture } from '../testing/fixtures.js';
import { readModel } from '../tflite/read.js';
import { activationTensors, calibrate, mseOptimalRange, widenToExpectedBounds } from './calibrate.js';
import { loadLiteRt } from './litert.js';
import { prepareBytesForLiteRt } from './litert-compat.js';

describe('mseOptimalRange', () => {
  it('keeps the full range for uniform data and clips the long tails of Laplace-distributed data', () => {
    const uniform = Float64Array.from({ length: 1000 }, (_, i) => i / 999);
    expect(mseOptimalRange(uniform, 0, 1)).toEqual({ min: 0, max: 1 });
    // Laplace(0, 1) via the inverse CDF on an even grid: |x| reaches ln(N/2) ≈ 10.8 in a thin tail.
    const n = 100_000;
    const laplace = Float64Array.from({ length: n }, (_, i) => {
      const u = (i + 0.5) / n - 0.5;
      return -Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
    });
    const max = Math.max(...laplace);
    const r = mseOptimalRange(laplace, -max, max);
    expect(r.max).toBeLessThan(max * 0.95);
    expect(r.max).toBeGreaterThan(max * 0.3);
    expect(r.min).toBe(-r.max);
  });
});

describe('calibrate (hello_world_float in LiteRT)', () => {
  const model = readModel(readFixture('tflm/hello_world_float.tflite'));
  const xs = Array.from({ length: 64 }, (_, i) => [new Float32Array([(i / 63) * 2 * Math.PI])]);

  it('infinite inputs are the data\'s problem: a one-line UserError naming the tensor', async () => {
    const bad = [...xs.slice(0, 3), [new Float32Array([Infinity])]];
    await expect(calibrate(model, bad)).rejects.toSatisfy(
      (e: unknown) => e instanceof UserError && /tensor '.*' reached non-finite values/.test(e.message),
    );
  });

  it('min/max ranges match what the model really computes', async () => {
    const ranges = await calibrate(model, xs, { edgeEstimate: false });
    const sg = model.subgraphs[0]!;
    expect([...ranges.keys()]).toEqual(activationTensors(model));
    const input = ranges.get(sg.inputs[0]!)!;
    expect(input.min).toBe(0);
    expect(input.max).toBeCloseTo(2 * Math.PI, 5);
    // The output's range is exactly the min/max of the plain model's outputs on the same samples.
    const rt = await loadLiteRt(prepareBytesForLiteRt(readFixture('tflm/hello_world_float.tflite')));
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of xs) {
      const [y] = await rt.run(x);
      lo = Math.min(lo, (y as Float32Array)[0]!);
      hi = Math.max(hi, (y as Float32Array)[0]!);
    }
    rt.dispose();
    expect(ranges.get(sg.outputs[0]!)).toEqual({ min: lo, max: hi });
    expect(hi).toBeGreaterThan(0.8); // a sine regressor
    expect(lo).toBeLessThan(-0.8);
    // Hidden layers (FC + ReLU) are non-negative.
    for (const [t, r] of ranges) if (t !== sg.inputs[0] && t !== sg.outputs[0]) expect(r.min).toBeGreaterThanOrEqual(0);
  });

  it('minmax widens a range seen in few values by its expected gap to the true bounds, and leaves 0 bounds alone', async () => {
    const sg = model.subgraphs[0]!;
    // 11 inputs in [0.7, 5.5]: the kind of set that left hello_world's int8 input clipped at 5.5 of 2π.
    const few = Array.from({ length: 11 }, (_, i) => [new Float32Array([0.7 + (i / 10) * 4.8])]);
    const raw = (await calibrate(model, few, { edgeEstimate: false })).get(sg.inputs[0]!)!;
    const widened = (await calibrate(model, few)).get(sg.inputs[0]!)!;
    expect(raw.min).toBeCloseTo(0.7, 5);
    expect(raw.max).toBeCloseTo(5.5, 5);
    expect(widened.min).toBeCloseTo(0.7 - 0.48, 5);
    expect(widened.max).toBeCloseTo(5.5 + 0.48, 5);
    expect(widenToExpectedBounds({ min: 0, max: 2 }, 3)).toEqual({ min: 0, max: 3 });
    expect(widenToExpectedBounds({ min: -1, max: 1 }, 1_000_001)).toEqual({ min: -1.000002, max: 1.000002 });
    expect(widenToExpectedBounds({ min: 1, max: 1 }, 10)).toEqual({ min: 1, max: 1 });
  });

  it('percentile and mse ranges lie inside min/max; chunking gives the same ranges', async () => {
    const minmax = await calibrate(model, xs, { edgeEstimate: false });
    const chunked = await calibrate(model, xs, { chunkSize: 1, edgeEstimate: false });
    expect(chunked).toEqual(minmax);
    expect(await calibrate(model, xs, { chunkBytes: 1, edgeEstimate: false })).toEqual(minmax); // one tensor per run
    for (const method of ['percentile', 'mse'] as const) {
      const r = await calibrate(model, xs, { method, percentile: 95 });
      for (const [t, mm] of minmax) {
        expect(r.get(t)!.min).toBeGreaterThanOrEqual(mm.min);
        expect(r.get(t)!.max).toBeLessThanOrEqual(mm.max);
      }
    }
    const p = await calibrate(model, xs, { method: 'percentile', percentile: 90 });
    const out = model.subgraphs[0]!.outputs[0]!;
    expect(p.get(out)!.max).toBeLessThan(minmax.get(out)!.max);
  });
});

describe('calibrate: reshapes', () => {
  it('gives a reshape output its input range without exposing it (LiteRT.js returned garbage for exposed reshape outputs)', async () => {
    const { Act, IrBuilder } = await import('../train/students/ir-builder.js');
    const b = new IrBuilder(3, 'fc-reshape-fc');
    const h = b.dense(b.input('input', [1, 8]), 12, Act.RELU);
    const r = b.reshape(h, [1, 12]);
    const model = b.finish([b.dense(r, 4)], ['out']);
    const samples = Array.from({ length: 5 }, (_, i) => [Float32Array.from({ length: 8 }, (_, j) => Math.sin(i * 8 + j))]);
    const ranges = await calibrate(model, samples);
    expect(ranges.get(r)).toBeDefined();
    expect(ranges.get(r)).toEqual(ranges.get(h));
    expect(ranges.get(h)!.max).toBeGreaterThan(0);
  });
});
