/**
 * Fuzz: mutated fixtures must either read as a Model or throw ModelFormatError — never another
 * error, never hang. Deterministic (fixed seed), so a failure reproduces by its case number.
 */
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fixtureModels, readFixture } from '../testing/fixtures.js';
import { prng } from '../util/prng.js';
import { ModelFormatError } from './errors.js';
import { readModel } from './read.js';
import { writeModel } from './write.js';

const CASES = 10_000;
const SEED = 0x5eed1;

interface Sample {
  rel: string;
  bytes: Uint8Array;
  /** Byte positions outside weight data: where the flatbuffer structure lives. */
  structure: number[];
}

function sample(rel: string): Sample {
  const bytes = readFixture(rel);
  const inData = new Uint8Array(bytes.length);
  for (const b of readModel(bytes).buffers) inData.fill(1, b.data.byteOffset, b.data.byteOffset + b.data.length);
  const structure: number[] = [];
  for (let i = 0; i < bytes.length; i++) if (inData[i] === 0) structure.push(i);
  return { rel, bytes, structure };
}

type Mutator = (s: Sample, rand: () => number) => Uint8Array;

const int = (rand: () => number, n: number) => Math.floor(rand() * n);
/** Mostly hit the flatbuffer structure: flips inside weight bytes only change numbers. */
const position = (s: Sample, rand: () => number) => (rand() < 0.85 && s.structure.length > 0 ? s.structure[int(rand, s.structure.length)]! : int(rand, s.bytes.length));

const MUTATORS: Array<[string, Mutator]> = [
  ['truncate', (s, rand) => s.bytes.slice(0, rand() < 0.5 ? int(rand, 256) : int(rand, s.bytes.length))],
  ['byte flips', (s, rand) => {
    const out = s.bytes.slice();
    for (let k = 1 + int(rand, 8); k > 0; k--) out[position(s, rand)] = int(rand, 256);
    return out;
  }],
  ['bit flips', (s, rand) => {
    const out = s.bytes.slice();
    for (let k = 1 + int(rand, 8); k > 0; k--) out[position(s, rand)]! ^= 1 << int(rand, 8);
    return out;
  }],
  ['garbage', (_, rand) => {
    const out = new Uint8Array(int(rand, 4096));
    for (let i = 0; i < out.length; i++) out[i] = int(rand, 256);
    // Half the time, make it look like a TFLite header so parsing goes past the first check.
    if (rand() < 0.5 && out.length >= 8) {
      out.set([8 + int(rand, 64), 0, 0, 0, 0x54, 0x46, 0x4c, 0x33], 0);
    }
    return out;
  }],
  ['empty', () => new Uint8Array(0)],
  ['zeroed region', (s, rand) => {
    const out = s.bytes.slice();
    const start = position(s, rand);
    out.fill(0, start, start + 1 + int(rand, 64));
    return out;
  }],
  ['large offset', (s, rand) => {
    const out = s.bytes.slice();
    const values = [0x7fffffff, 0xffffffff, 0x80000000, 0xfffffffc, s.bytes.length, s.bytes.length - 4, 0x10000, int(rand, 2 ** 32)];
    for (let k = 1 + int(rand, 3); k > 0; k--) {
      const at = position(s, rand) & ~3;
      new DataView(out.buffer).setUint32(Math.min(at, out.length - 4), values[int(rand, values.length)]!, true);
    }
    return out;
  }],
  ['large vector length', (s, rand) => {
    // Small 16-bit values in vtables and big 32-bit ones in vector lengths are what break naive readers.
    const out = s.bytes.slice();
    const at = Math.min(position(s, rand) & ~1, out.length - 2);
    new DataView(out.buffer).setUint16(at, [0xffff, 0xfffe, 4, 0, 0x8000][int(rand, 5)]!, true);
    return out;
  }],
];

describe('readModel fuzz', () => {
  it(`survives ${CASES} mutated inputs with only Model or ModelFormatError`, () => {
    // Small fixtures get most cases (fast); every fixture gets some.
    const samples = fixtureModels().map(sample);
    const rand = prng(SEED);
    const outcomes = { read: 0, rejected: 0, written: 0 };
    const byMutator = new Map<string, number>();
    let slowest = 0;
    const unvalidated: string[] = [];
    const started = performance.now();
    for (let c = 0; c < CASES; c++) {
      const s = rand() < 0.8 ? samples.filter((x) => x.bytes.length < 400_000)[int(rand, 7)] ?? samples[0]! : samples[int(rand, samples.length)]!;
      const [name, mutate] = MUTATORS[int(rand, MUTATORS.length)]!;
      const input = mutate(s, rand);
      const t0 = performance.now();
      try {
        const model = readModel(input);
        outcomes.read++;
        let written: Uint8Array | undefined;
        try {
          written = writeModel(model);
          outcomes.written++;
        } catch (e) {
          if (!(e instanceof ModelFormatError)) throw new Error(`case ${c} (${name} of ${s.rel}): writeModel threw ${String(e)}`);
        }
        // Whatever the reader accepts, the writer reproduces: strange-but-valid values survive a round trip.
        if (written !== undefined && !isDeepStrictEqual(readModel(written), model)) {
          throw new Error(`case ${c} (${name} of ${s.rel}): read → write → read changed the model`);
        }
      } catch (e) {
        if (!(e instanceof ModelFormatError)) {
          throw new Error(`case ${c} (${name} of ${s.rel}): readModel threw ${e instanceof Error ? e.stack : String(e)}`);
        }
        outcomes.rejected++;
        // The catch-all in readModel is defence in depth; explicit validation should catch everything first.
        if (e.message.startsWith('malformed model:')) unvalidated.push(`case ${c} (${name} of ${s.rel}): ${e.message}`);
      }
      const dt = performance.now() - t0;
      slowest = Math.max(slowest, dt);
      expect(dt, `case ${c} (${name} of ${s.rel}) took ${dt.toFixed(0)} ms`).toBeLessThan(1000);
      byMutator.set(name, (byMutator.get(name) ?? 0) + 1);
    }
    const total = performance.now() - started;
    console.log(`fuzz: ${CASES} cases in ${(total / 1000).toFixed(1)} s (slowest ${slowest.toFixed(0)} ms):`, outcomes, Object.fromEntries(byMutator));
    expect(unvalidated.slice(0, 5)).toEqual([]);
    expect(outcomes.read + outcomes.rejected).toBe(CASES);
    expect(outcomes.read + outcomes.rejected).toBeGreaterThanOrEqual(10_000);
    // Both outcomes must occur, or the mutations are not exercising the reader.
    expect(outcomes.rejected).toBeGreaterThan(CASES / 4);
    expect(outcomes.read).toBeGreaterThan(CASES / 20);
    for (const [name] of MUTATORS) expect(byMutator.get(name)).toBeGreaterThan(0);
  });
});
