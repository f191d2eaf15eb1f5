import { describe, expect, it } from 'vitest';
import { decodeInt8, encodeInt8, int8ContextEntropyBits } from './int8-coder.js';
import { laplacianInt8, unevenRowsInt8 } from './synthetic.js';

describe('int8 token coder', () => {
  it.each([1, 2, 3, 5, 8])('round-trips sparse Laplacian weights with %i contexts, within 3 %% of the context entropy', (k) => {
    const w = laplacianInt8(100_000, 0.5, 8, 11);
    const payload = encodeInt8(w, k);
    const out = new Uint8Array(w.length + 8).fill(0xaa);
    decodeInt8(payload, 0, payload.length, k, out, 4, w.length);
    expect(Buffer.from(out.subarray(4, 4 + w.length)).equals(Buffer.from(w))).toBe(true);
    expect(out[3]).toBe(0xaa);
    expect(out[4 + w.length]).toBe(0xaa);
    const entropy = int8ContextEntropyBits(w, k);
    expect(payload.length * 8).toBeGreaterThanOrEqual(entropy);
    expect(payload.length * 8).toBeLessThan(entropy * 1.03);
  });

  it('uses the context: values that alternate in magnitude cost less with several tables than with one', () => {
    const w = new Uint8Array(60_000);
    let x = 7;
    for (let i = 0; i < w.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      // small after large, large after small: only the previous token's class predicts it
      const big = i % 2 === 0;
      w[i] = ((big ? 40 + (x >>> 28) : 1 + (x >>> 30)) * (x & 1 ? 1 : -1)) & 0xff;
    }
    expect(encodeInt8(w, 3).length).toBeLessThan(encodeInt8(w, 1).length * 0.8);
  });

  it.each([1, 2, 5, 8])('round-trips with the zero-density context (%i previous-token contexts)', (k) => {
    const w = unevenRowsInt8(40, 1024, 9);
    const payload = encodeInt8(w, k, undefined, true);
    const out = new Uint8Array(w.length);
    decodeInt8(payload, 0, payload.length, k, out, 0, w.length, true);
    expect(Buffer.from(out).equals(Buffer.from(w))).toBe(true);
    expect(payload.length * 8).toBeGreaterThanOrEqual(int8ContextEntropyBits(w, k, true));
  });

  it('the zero-density context pays off on large layers whose neurons are pruned unevenly', () => {
    const w = unevenRowsInt8(40, 2048, 9);
    const best = (density: boolean): number => Math.min(...[1, 2, 3, 5].map((k) => encodeInt8(w, k, undefined, density).length));
    expect(best(true)).toBeLessThan(best(false));
  });
});
