import { describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS } from './config.js';
import { gateInputs, SYNTHETIC_CHECK_SAMPLES } from './gate-setup.js';
import { GATE_SAMPLES, MIN_SPLIT_SAMPLES, splitIndices } from './gate-split.js';

const samples = (n: number, base = 0): Float32Array[] => Array.from({ length: n }, (_, i) => Float32Array.of(base + i));
const values = (xs: Float32Array[]): number[] => xs.map((x) => x[0]!);

describe('splitIndices', () => {
  it('holds out every third input, spread over the data, disjoint from the fit part and covering all', () => {
    const s = splitIndices(16);
    expect(s.heldOut).toBe(true);
    expect(s.check).toEqual([1, 4, 8, 11, 14]);
    expect(s.fit).toEqual([0, 2, 3, 5, 6, 7, 9, 10, 12, 13, 15]);
    expect(splitIndices(16)).toEqual(s); // deterministic
    for (const n of [MIN_SPLIT_SAMPLES, 7, 24, 99, 100, 1000]) {
      const { fit, check } = splitIndices(n);
      expect(new Set([...fit, ...check]).size).toBe(n);
      expect(fit.length + check.length).toBe(n);
      expect(check.length).toBe(Math.min(GATE_SAMPLES, Math.floor(n / 3)));
      // Spread: no two held-out inputs are neighbours, and both halves of the data have some.
      check.slice(1).forEach((c, i) => expect(c - check[i]!).toBeGreaterThanOrEqual(3));
      expect(check.some((c) => c < n / 2) && check.some((c) => c >= n / 2)).toBe(true);
    }
  });

  it('below MIN_SPLIT_SAMPLES nothing is held out: fit and check are all inputs', () => {
    expect(splitIndices(MIN_SPLIT_SAMPLES - 1)).toEqual({ fit: [0, 1, 2, 3, 4], check: [0, 1, 2, 3, 4], heldOut: false });
    expect(splitIndices(1)).toEqual({ fit: [0], check: [0], heldOut: false });
  });
});

describe('gateInputs', () => {
  it('calibration only: the held-out part neither calibrates nor steers the search', () => {
    const warnings: string[] = [];
    const g = gateInputs([1, 1], undefined, { inputs: samples(16) }, DEFAULT_OPTIONS, warnings)!;
    expect(g.source).toBe('calibration');
    expect(g.heldOut).toBe(true);
    expect(values(g.check)).toEqual([1, 4, 8, 11, 14]);
    expect(values(g.fit)).toEqual([0, 2, 3, 5, 6, 7, 9, 10, 12, 13, 15]);
    expect(values(g.calibrationFit!)).toEqual(values(g.fit));
    expect(values(g.inputs)).toHaveLength(16); // --auto still sees them all
    expect(warnings).toEqual([]);
  });

  it('a large calibration set calibrates on all but the held-out GATE_SAMPLES; the search sees GATE_SAMPLES of the rest', () => {
    const g = gateInputs([1, 1], undefined, { inputs: samples(300) }, DEFAULT_OPTIONS, [])!;
    expect(g.check).toHaveLength(GATE_SAMPLES);
    expect(g.calibrationFit).toHaveLength(300 - GATE_SAMPLES);
    expect(g.fit).toHaveLength(GATE_SAMPLES);
    const checked = new Set(values(g.check));
    expect(values(g.calibrationFit!).some((v) => checked.has(v))).toBe(false);
  });

  it('too few inputs: nothing held out, calibration untouched, and a warning says the check is optimistic', () => {
    const warnings: string[] = [];
    const g = gateInputs([1, 1], undefined, { inputs: samples(4) }, DEFAULT_OPTIONS, warnings)!;
    expect(g.heldOut).toBe(false);
    expect(values(g.check)).toEqual([0, 1, 2, 3]);
    expect(g.calibrationFit).toBeUndefined();
    expect(warnings).toEqual([expect.stringMatching(/same 4 calibration input\(s\) that calibrate the model .*nothing held out below 6 inputs/)]);
  });

  it('evaluation data beside separate calibration data is the held-out part; calibration is the fit part and is not reduced', () => {
    const g = gateInputs([1, 1], { inputs: samples(10, 100) }, { inputs: samples(8) }, { ...DEFAULT_OPTIONS, eval: '/data/eval', calibration: '/data/cal' }, [])!;
    expect(g).toMatchObject({ source: 'eval', fitSource: 'calibration', heldOut: true });
    expect(values(g.check)).toEqual(values(samples(10, 100)));
    expect(values(g.fit)).toEqual(values(samples(8)));
    expect(g.calibrationFit).toBeUndefined();
  });

  it('evaluation data alone is split like calibration data (mixed precision would otherwise fit to all of it)', () => {
    const g = gateInputs([1, 1], { inputs: samples(9) }, undefined, DEFAULT_OPTIONS, [])!;
    expect(g).toMatchObject({ source: 'eval', fitSource: 'eval', heldOut: true });
    expect(values(g.check)).toEqual([1, 4, 7]);
    expect(g.calibrationFit).toBeUndefined();
  });

  it('synthetic inputs: the held-out part is fresh seeds, none equal to a fit input', () => {
    const warnings: string[] = [];
    const g = gateInputs([1, 4], undefined, undefined, DEFAULT_OPTIONS, warnings)!;
    expect(g).toMatchObject({ source: 'synthetic', heldOut: true });
    expect(g.fit).toHaveLength(GATE_SAMPLES);
    expect(g.check).toHaveLength(SYNTHETIC_CHECK_SAMPLES);
    const seen = new Set(g.fit.map((x) => x.join()));
    expect(g.check.some((x) => seen.has(x.join()))).toBe(false);
    expect(warnings).toEqual([expect.stringMatching(/synthetic inputs .*16 other seeds held out/)]);
  });
});
