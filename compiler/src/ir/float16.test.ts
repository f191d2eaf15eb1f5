import { describe, expect, it } from 'vitest';
import { float16BitsToFloat32, float32ToFloat16Bits } from './float16.js';

describe('float16', () => {
  it('round-trips exactly representable values and rounds to nearest even', () => {
    for (const v of [0, 1, -2, 0.5, 65504, 6.103515625e-5, 5.960464477539063e-8, -1.5, -1025]) {
      expect(float16BitsToFloat32(float32ToFloat16Bits(v))).toBe(v);
    }
    expect(float32ToFloat16Bits(1)).toBe(0x3c00);
    expect(float32ToFloat16Bits(-2)).toBe(0xc000);
    expect(float32ToFloat16Bits(70000)).toBe(0x7c00); // overflow → +Inf
    expect(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(NaN)))).toBe(true);
    // 1 + 2^-11 is exactly halfway between 1 and 1+2^-10: ties to even → 1.
    expect(float16BitsToFloat32(float32ToFloat16Bits(1 + 2 ** -11))).toBe(1);
    expect(float16BitsToFloat32(float32ToFloat16Bits(1 + 3 * 2 ** -11))).toBe(1 + 2 * 2 ** -10);
  });

  it('keeps relative error below 2^-11 over a wide range', () => {
    for (let i = 0; i < 2000; i++) {
      const v = Math.fround((Math.sin(i * 12.9898) * 43758.5453) % 1000);
      if (Math.abs(v) < 6.2e-5) continue;
      const back = float16BitsToFloat32(float32ToFloat16Bits(v));
      expect(Math.abs(back - v) / Math.abs(v)).toBeLessThanOrEqual(2 ** -11);
    }
  });
});
