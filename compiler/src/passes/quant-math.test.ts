import { describe, expect, it } from 'vitest';
import {
  activationParams,
  biasScales,
  quantizeAffine,
  quantizeBias,
  quantizeSymmetricPerChannel,
} from './quant-math.js';

describe('int8 parameters', () => {
  it('per-channel symmetric weights stay in [-127,127] with one scale per slice', () => {
    // shape [2,1,1,3]: axis 0 → 2 channels; axis 3 → 3 channels
    const w = new Float32Array([1, -2, 0.5, 10, 0, -5]);
    const a0 = quantizeSymmetricPerChannel(w, [2, 1, 1, 3], 0);
    expect(a0.scales).toEqual([Math.fround(2 / 127), Math.fround(10 / 127)]);
    expect(Array.from(a0.values)).toEqual([64, -127, 32, 127, 0, -64]);
    const a3 = quantizeSymmetricPerChannel(w, [2, 1, 1, 3], 3);
    expect(a3.scales).toEqual([Math.fround(10 / 127), Math.fround(2 / 127), Math.fround(5 / 127)]);
    expect(Array.from(a3.values)).toEqual([13, -127, 13, 127, 0, -127]);
    const zeros = quantizeSymmetricPerChannel(new Float32Array(4), [4, 1], 0);
    expect(zeros.scales).toEqual([1, 1, 1, 1]);
  });

  it('an all-zero (pruned) channel takes its tensor\'s largest scale, so no channel raises the requantization ratio XNNPACK checks', () => {
    // 3 output channels of a [3, 2] FC weight: the middle one pruned away.
    const w = new Float32Array([0.5, -0.25, 0, 0, 0.127, 0.1]);
    const { values, scales } = quantizeSymmetricPerChannel(w, [3, 2], 0);
    expect(scales).toEqual([Math.fround(0.5 / 127), Math.fround(0.5 / 127), Math.fround(0.127 / 127)]);
    expect(Array.from(values.subarray(2, 4))).toEqual([0, 0]);
    expect(quantizeSymmetricPerChannel(new Float32Array(4), [2, 2], 0).scales).toEqual([1, 1]);
  });

  it('activation ranges include zero and map min/max to the int8 ends', () => {
    const p = activationParams(-1, 3);
    expect(p.scale).toBe(Math.fround(4 / 255));
    expect(p.zeroPoint).toBe(Math.round(-128 + 1 / p.scale));
    const relu = activationParams(0.5, 6); // widened to [0, 6]
    expect(relu.zeroPoint).toBe(-128);
    expect(relu.scale).toBe(Math.fround(6 / 255));
    const neg = activationParams(-4, -1); // widened to [-4, 0]
    expect(neg.zeroPoint).toBe(127);
    const q = quantizeAffine(new Float32Array([-1, 0, 3]), p);
    expect(q[0]).toBe(-128);
    expect((q[1]! - p.zeroPoint) * p.scale).toBe(0);
    expect(q[2]).toBe(127);
  });

  it('bias scale is the float32 product of input and weight scales', () => {
    const s = biasScales(0.0123, [0.5, 0.00731]);
    expect(s[1]).toBe(Math.fround(Math.fround(0.0123) * Math.fround(0.00731)));
    const b = quantizeBias(new Float32Array([1, -1]), s);
    expect(b[0]).toBe(Math.round(1 / s[0]!));
    expect(b[1]).toBe(Math.round(-1 / s[1]!));
  });
});

describe('rounding', () => {
  it('half to even and half away from zero', async () => {
    const { roundHalfEven, roundHalfAway } = await import('./quant-math.js');
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, -2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, -2, 2, -3]);
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5].map(roundHalfAway)).toEqual([1, 2, 3, -1, -2, -3]);
  });
});
