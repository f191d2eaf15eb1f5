import { describe, expect, it } from 'vitest';
import { readFixture } from '../testing/fixtures.js';
import { packModel, PackFormatError, unpackModel } from './index.js';
import { packAsInt8Density } from './pack.js';
import { laplacianInt8, unevenRowsInt8 } from './synthetic.js';

/** Deterministic PRNG (mulberry32) so every run fuzzes the same inputs. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n | 0;
  };
}

/** One to four byte flips, bit flips, truncations, insertions or header/table overwrites. */
function mutate(input: Uint8Array, r: (n: number) => number): Uint8Array {
  let b = input.slice();
  const edits = 1 + r(4);
  for (let k = 0; k < edits; k++) {
    switch (r(6)) {
      case 0: b[r(b.length)] ^= 1 << r(8); break;
      case 1: b[r(b.length)] = r(256); break;
      case 2: b = b.slice(0, Math.max(1, r(b.length + 1))); break;
      case 3: {
        const at = r(b.length + 1);
        const c = new Uint8Array(b.length + 1);
        c.set(b.subarray(0, at), 0);
        c[at] = r(256);
        c.set(b.subarray(at), at + 1);
        b = c;
        break;
      }
      case 4: b[r(Math.min(b.length, 80))] = r(256); break;
      default: {
        const at = Math.min(b.length - 1, 32 + r(Math.max(1, Math.min(b.length, 200) - 32)));
        b[at] ^= 1 + r(255);
      }
    }
  }
  return b;
}

describe('decoder fuzzing', () => {
  it('every mutant decodes to the original bytes or throws PackFormatError (15,000 mutants)', () => {
    const originals = [
      readFixture('tflm/hello_world_int8.tflite'),
      readFixture('tflm/simple_add_model.tflite'),
      laplacianInt8(4000, 0.8, 6, 3), // coded as an int8 section
      unevenRowsInt8(12, 512, 5), // packed as one int8-density section
      readFixture('tflm/micro_speech_quantized.tflite'),
    ];
    const r = prng(20261127);
    let ok = 0;
    let rejected = 0;
    for (const [i, original] of originals.entries()) {
      const packed = i === 3 ? packAsInt8Density(original, 2) : packModel(original);
      for (let i = 0; i < 3000; i++) {
        const m = mutate(packed, r);
        let out: Uint8Array;
        try {
          out = unpackModel(m, { maxDecodedSize: 4 << 20 });
        } catch (e) {
          if (!(e instanceof PackFormatError)) throw new Error(`mutant ${i} threw ${String(e)}`);
          rejected++;
          continue;
        }
        expect(Buffer.from(out).equals(Buffer.from(original))).toBe(true);
        ok++;
      }
    }
    console.log(`pack decoder fuzz: ${ok + rejected} mutants of ${originals.length} packed files: ${ok} decoded to the original, ${rejected} rejected with PackFormatError`);
    expect(ok + rejected).toBe(15_000);
    expect(rejected).toBeGreaterThan(6000);
  });
});
