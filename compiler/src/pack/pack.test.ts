import { describe, expect, it } from 'vitest';
import { fixtureModels, readFixture } from '../testing/fixtures.js';
import { describePacked, isPacked, packModel, PackFormatError, unpackModel } from './index.js';
import { packAsInt8Density } from './pack.js';
import { laplacianInt8, unevenRowsInt8 } from './synthetic.js';

function roundTrip(bytes: Uint8Array): Uint8Array {
  const packed = packModel(bytes);
  expect(isPacked(packed)).toBe(true);
  expect(Buffer.from(unpackModel(packed)).equals(Buffer.from(bytes))).toBe(true);
  return packed;
}

describe('packModel / unpackModel', () => {
  it.each(fixtureModels())('round-trips %s byte for byte and shrinks it', (rel) => {
    const bytes = readFixture(rel);
    const packed = roundTrip(bytes);
    expect(packed.length).toBeLessThan(bytes.length);
  });

  it('is deterministic', () => {
    const bytes = readFixture('tflm/person_detect.tflite');
    expect(Buffer.from(packModel(bytes)).equals(Buffer.from(packModel(bytes)))).toBe(true);
  });

  it('round-trips edge cases: empty, one byte, all zeros, long zero runs, every int8 value, random bytes', () => {
    roundTrip(new Uint8Array(0));
    roundTrip(Uint8Array.of(0x80));
    roundTrip(new Uint8Array(100_000));
    const runs = new Uint8Array(300_000);
    runs[5] = 1; runs[70_000] = 0x80; runs[70_017] = 0x7f; runs[299_999] = 3;
    roundTrip(runs);
    roundTrip(Uint8Array.from({ length: 4096 }, (_, i) => i & 0xff));
    let x = 12345;
    roundTrip(Uint8Array.from({ length: 50_000 }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24)));
  });

  it('decodes INT8_DENSITY sections (forced, as the encoder picks them only on large layers)', () => {
    const w = unevenRowsInt8(20, 2048, 4);
    for (const k of [1, 3, 8]) expect(Buffer.from(unpackModel(packAsInt8Density(w, k))).equals(Buffer.from(w))).toBe(true);
    expect(describePacked(packAsInt8Density(w, 3)).sections.map((s) => s.kind)).toEqual(['int8-density']);
  });

  it('codes sparse Laplacian int8 weights well below 8 bits each (as a TFLite file the coder sees as bytes)', () => {
    const w = laplacianInt8(200_000, 0.5, 12, 7);
    const packed = roundTrip(w);
    expect(packed.length * 8 / w.length).toBeLessThan(4);
  });

  it('rejects a wrong magic, a bad checksum and an oversized declared size', () => {
    const bytes = readFixture('tflm/hello_world_int8.tflite');
    expect(isPacked(bytes)).toBe(false);
    expect(() => unpackModel(bytes)).toThrow(PackFormatError);
    const packed = packModel(bytes);
    const badCrc = packed.slice();
    badCrc[24] ^= 1;
    expect(() => unpackModel(badCrc)).toThrow(/checksum/);
    expect(() => unpackModel(packed, { maxDecodedSize: bytes.length - 1 })).toThrow(/exceeds the limit/);
    expect(unpackModel(packed, { maxDecodedSize: bytes.length }).length).toBe(bytes.length);
  });

  it('describes sections covering the whole decoded file', () => {
    const bytes = readFixture('tflm/person_detect.tflite');
    const stats = describePacked(packModel(bytes));
    expect(stats.decodedSize).toBe(bytes.length);
    let offset = 0;
    for (const s of stats.sections) {
      expect(s.decodedOffset).toBe(offset);
      offset += s.decodedLength;
    }
    expect(offset).toBe(bytes.length);
    expect(stats.sections.some((s) => s.kind === 'int8')).toBe(true);
  });
});
