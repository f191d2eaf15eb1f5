import { describe, expect, it } from 'vitest';
import { argmax, fidelity } from './fidelity.js';

describe('fidelity', () => {
  it('computes SQNR, cosine and max error by hand', () => {
    // ref energy 3² + 4² = 25, error energy 0.1² + 0.2² = 0.05 → 10·log10(500) dB.
    const f = fidelity([[[3, 4]]], [[[2.9, 4.2]]]);
    expect(f.samples).toBe(1);
    expect(f.outputs[0]!.sqnrDb).toBeCloseTo(10 * Math.log10(500), 10);
    const cos = (3 * 2.9 + 4 * 4.2) / (5 * Math.hypot(2.9, 4.2));
    expect(f.outputs[0]!.cosine).toBeCloseTo(cos, 12);
    expect(f.outputs[0]!.maxAbsError).toBeCloseTo(0.2, 12);
  });

  it('accumulates energy over samples rather than averaging per sample', () => {
    const f = fidelity(
      [[[1, 0]], [[0, 10]]],
      [[[0, 0]], [[0, 10]]],
    );
    // Σref² = 101, Σerr² = 1.
    expect(f.outputs[0]!.sqnrDb).toBeCloseTo(10 * Math.log10(101), 10);
  });

  it('counts top-1 agreement on output 0', () => {
    const ref = [[[0.1, 0.9, 0]], [[0.8, 0.1, 0.1]], [[0.2, 0.3, 0.5]], [[0, 0, 1]]];
    const test = [[[0.2, 0.7, 0.1]], [[0.1, 0.8, 0.1]], [[0.1, 0.2, 0.7]], [[0, 0.1, 0.9]]];
    expect(fidelity(ref, test).top1Agreement).toBe(0.75);
  });

  it('handles identical, opposite and several outputs', () => {
    const same = fidelity([[[1, 2], [5]]], [[[1, 2], [5]]]);
    expect(same.outputs[0]!.sqnrDb).toBe(Infinity);
    expect(same.outputs[1]!.cosine).toBe(1);
    const opposite = fidelity([[[1, -2]]], [[[-1, 2]]]);
    expect(opposite.outputs[0]!.cosine).toBeCloseTo(-1, 12);
    expect(opposite.outputs[0]!.sqnrDb).toBeCloseTo(10 * Math.log10(5 / 20), 10);
  });

  it('argmax takes the first of equal maxima', () => {
    expect(argmax([1, 3, 3, 2])).toBe(1);
    expect(argmax([])).toBe(-1);
  });

  it('rejects mismatched outputs', () => {
    expect(() => fidelity([[[1, 2]]], [[[1]]])).toThrow();
  });
});
