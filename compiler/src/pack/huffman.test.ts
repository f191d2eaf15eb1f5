import { describe, expect, it } from 'vitest';
import { BitReader } from './bit-reader.js';
import { BitWriter } from './bit-writer.js';
import { PackFormatError } from './errors.js';
import { buildDecoder, codeLengths, encoderCodes, MAX_CODE_LENGTH, validateLengths } from './huffman.js';
import { readLengths, writeLengths } from './table-coder.js';

describe('canonical Huffman tables', () => {
  it('builds complete, length-limited codes even for very skewed counts', () => {
    const counts = Array.from({ length: 303 }, (_, i) => Math.floor(2 ** (30 - i / 10)));
    const lengths = codeLengths(counts);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(MAX_CODE_LENGTH);
    expect(() => validateLengths(lengths)).not.toThrow();
    const kraft = lengths.reduce((s, l) => s + (l ? 2 ** -l : 0), 0);
    expect(kraft).toBe(1);
  });

  it('gives a single used symbol a 1-bit code and optimal lengths for dyadic counts', () => {
    expect(Array.from(codeLengths([0, 5, 0]))).toEqual([0, 1, 0]);
    expect(Array.from(codeLengths([8, 4, 2, 1, 1]))).toEqual([1, 2, 3, 4, 4]);
  });

  it('rejects over-subscribed, incomplete and too-long tables', () => {
    expect(() => validateLengths(Uint8Array.of(1, 1, 1))).toThrow(PackFormatError);
    expect(() => validateLengths(Uint8Array.of(1, 2))).toThrow(/incomplete/);
    expect(() => validateLengths(Uint8Array.of(16, 1))).toThrow(PackFormatError);
    expect(() => validateLengths(Uint8Array.of(0, 0))).not.toThrow();
  });

  it('round-trips code lengths through the compact table coding', () => {
    const jumpy = codeLengths(Array.from({ length: 303 }, (_, i) => (i % 7 === 3 ? 0 : 1000 / (i + 1))));
    // A Laplacian over zigzag-ordered values: neighbouring lengths are close, so the table is small.
    const smooth = codeLengths(Array.from({ length: 303 }, (_, i) => Math.round(1e6 * Math.exp(-i / 20))));
    for (const lengths of [jumpy, smooth]) {
      const bw = new BitWriter();
      writeLengths(bw, lengths);
      const bytes = bw.finish();
      if (lengths === smooth) expect(bytes.length).toBeLessThan(303 / 8);
      expect(Array.from(readLengths(new BitReader(bytes, 0, bytes.length), 303))).toEqual(Array.from(lengths));
    }
  });

  it('builds decoder tables that resolve every code, whatever follows it, at any lookup width', () => {
    let x = 99;
    const rand = (n: number): number => {
      x = (x * 1103515245 + 12345) >>> 0;
      return x % n;
    };
    const tables = [
      codeLengths(Array.from({ length: 303 }, (_, i) => Math.floor(2 ** (24 - i / 12)))), // codes up to 15 bits
      codeLengths(Array.from({ length: 256 }, () => 1 + rand(1000))), // flat, 7-10 bits
      codeLengths([0, 0, 7, 0]), // a single 1-bit code
      new Uint8Array(40), // an unused context
    ];
    const symbolBits = Int32Array.from({ length: 303 }, (_, s) => (s * 7919) << 5);
    for (const lookupBits of [5, 9, 11]) {
      for (const bits of [undefined, symbolBits]) {
        const fast = buildDecoder(tables, lookupBits, bits);
        tables.forEach((lengths, c) => {
          const codes = encoderCodes(lengths);
          lengths.forEach((l, s) => {
            if (!l) return;
            for (let k = 0; k < 4; k++) {
              const w = codes[s] | (rand(1 << (20 - l)) << l); // the code, then arbitrary bits
              let e = fast[(c << lookupBits) + (w & ((1 << lookupBits) - 1))];
              if (e & 16) e = fast[(e >>> 5) + ((w >>> lookupBits) & ((1 << (e & 15)) - 1))];
              expect(e & 15).toBe(l);
              expect(e >>> 5).toBe(bits ? bits[s] >>> 5 : s);
            }
          });
        });
        // The single 1-bit code leaves the other half of its table empty, and an unused table is all empty.
        expect(fast[(2 << lookupBits) + 1]).toBe(0);
        expect(fast.subarray(3 << lookupBits, 4 << lookupBits).every((e) => e === 0)).toBe(true);
      }
    }
  });
});
