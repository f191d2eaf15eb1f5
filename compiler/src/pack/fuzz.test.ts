import { describe, expect, it } from 'vitest';
import { readFixture } from '../testing/fixtures.js';
import { describePacked, packModel, PackFormatError, unpackModel } from './index.js';
import { packAsBrotliPostfix, packAsInt8, packAsInt8Density, packAsInt8Rows, packAsLzma, packModelV1 } from './pack.js';
import { dftFloat32, laplacianInt8, unevenRowsInt8 } from './synthetic.js';

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
  it('every mutant of a version 1 or 2 file decodes to the original bytes or throws PackFormatError (33,000 mutants)', () => {
    const helloInt8 = readFixture('tflm/hello_world_int8.tflite');
    const uneven = unevenRowsInt8(12, 512, 5);
    const lstm = readFixture('tflm/trained_lstm.tflite');
    const seeds: [string, Uint8Array, Uint8Array][] = [
      // version 1: BYTES, DEFLATE, INT8 and INT8_DENSITY sections
      ['v1 hello_world_int8', helloInt8, packModelV1(helloInt8)],
      ['v1 simple_add_model', readFixture('tflm/simple_add_model.tflite'), packModelV1(readFixture('tflm/simple_add_model.tflite'))],
      ['v1 int8 section', laplacianInt8(4000, 0.8, 6, 3), packModelV1(laplacianInt8(4000, 0.8, 6, 3))],
      ['v1 micro_speech', readFixture('tflm/micro_speech_quantized.tflite'), packModelV1(readFixture('tflm/micro_speech_quantized.tflite'))],
      // version 2: the whole file as one shared Brotli stream; the whole file as one LZMA section; INT8_DENSITY
      ['v2 hello_world_int8 (shared only)', helloInt8, packModel(helloInt8)],
      ['v2 trained_lstm (whole-file lzma)', lstm, packModel(lstm)],
      ['v2 int8-density', uneven, packAsInt8Density(uneven, 2)],
      ['v2 int8 section', laplacianInt8(4000, 0.8, 6, 3), packAsInt8(laplacianInt8(4000, 0.8, 6, 3))],
      ['v2 int8-rows', uneven, packAsInt8Rows(uneven, 512, 2, 4)],
      ['v2 lzma', dftFloat32(9, 64), packAsLzma(dftFloat32(9, 64))],
      ['v2 shared stream with distance postfix bits', dftFloat32(9, 64), packAsBrotliPostfix(dftFloat32(9, 64), 3, 24)],
    ];
    expect(describePacked(seeds[5][2]).sections.map((s) => s.kind)).toEqual(['lzma']);
    const r = prng(20261127);
    const counts: string[] = [];
    let ok = 0;
    let rejected = 0;
    for (const [name, original, packed] of seeds) {
      let seedRejected = 0;
      for (let i = 0; i < 3000; i++) {
        const m = mutate(packed, r);
        let out: Uint8Array;
        try {
          out = unpackModel(m, { maxDecodedSize: 4 << 20 });
        } catch (e) {
          if (!(e instanceof PackFormatError)) throw new Error(`${name} mutant ${i} threw ${String(e)}`);
          rejected++;
          seedRejected++;
          continue;
        }
        expect(Buffer.from(out).equals(Buffer.from(original))).toBe(true);
        ok++;
      }
      counts.push(`${name}: ${3000 - seedRejected} decoded exactly, ${seedRejected} rejected`);
    }
    process.stdout.write(`decoder fuzzing (TypeScript): ${ok + rejected} mutants, ${ok} decoded to the original, ${rejected} rejected with PackFormatError\n  ${counts.join('\n  ')}\n`);
    expect(ok + rejected).toBe(33_000);
    expect(rejected).toBeGreaterThan(10_000);
  });
});
