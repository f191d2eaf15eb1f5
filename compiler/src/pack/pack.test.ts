import { describe, expect, it } from 'vitest';
import { fixtureModels, readFixture } from '../testing/fixtures.js';
import { describePacked, isPacked, packModel, PackFormatError, unpackModel } from './index.js';
import { packAsBrotliPostfix, packAsInt8, packAsInt8Density, packModelV1 } from './pack.js';
import { dftFloat32, laplacianInt8, sharedStreamBomb, unevenRowsInt8 } from './synthetic.js';

function roundTrip(bytes: Uint8Array): Uint8Array {
  const packed = packModel(bytes);
  expect(isPacked(packed)).toBe(true);
  expect(packed[8]).toBe(2);
  expect(Buffer.from(unpackModel(packed)).equals(Buffer.from(bytes))).toBe(true);
  // Version 1 files stay readable.
  const v1 = packModelV1(bytes);
  expect(v1[8]).toBe(1);
  expect(Buffer.from(unpackModel(v1)).equals(Buffer.from(bytes))).toBe(true);
  return packed;
}

describe('packModel / unpackModel', () => {
  // hand_landmark_lite (2 MB of float weights) takes ~25 s of CPU to pack (Brotli quality 11 in four
  // settings, LZMA): more than the default timeout on a machine shared with other jobs.
  it.each(fixtureModels())('round-trips %s byte for byte and shrinks it', (rel) => {
    const bytes = readFixture(rel);
    const packed = roundTrip(bytes);
    expect(packed.length).toBeLessThan(bytes.length);
  }, 300_000);

  it('is deterministic', () => {
    // A model with a shared stream and a section of its own.
    const bytes = readFixture('tflm/trained_lstm.tflite');
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

  it('codes sparse Laplacian int8 weights well below 8 bits each', () => {
    const w = laplacianInt8(200_000, 0.5, 12, 7);
    const packed = roundTrip(w);
    expect(packed.length * 8 / w.length).toBeLessThan(4);
    const int8 = packAsInt8(w);
    expect(Buffer.from(unpackModel(int8)).equals(Buffer.from(w))).toBe(true);
    expect(int8.length * 8 / w.length).toBeLessThan(4);
  });

  it('is never larger than Brotli of the whole file plus the version 2 header (the whole-file fallback)', async () => {
    const { encodeBrotli } = await import('./brotli-coder.js');
    for (const rel of ['tflm/hello_world_int8.tflite', 'tflm/trained_lstm_int8.tflite', 'tflm/trained_lstm.tflite']) {
      const bytes = readFixture(rel);
      const packed = packModel(bytes);
      // 13 fixed bytes, a 1-byte count, a kind byte and a varint length of at most 3 bytes.
      expect(packed.length).toBeLessThanOrEqual(encodeBrotli(bytes).length + 18);
    }
  });

  it('decodes shared streams whose distance codes carry postfix bits (forced; the encoder keeps them where smallest)', async () => {
    const { encodeBrotliPostfix } = await import('./brotli-coder.js');
    const floats = dftFloat32(9, 64);
    // The parameters change the stream (else this would test nothing new).
    expect(Buffer.from(encodeBrotliPostfix(floats, 3, 24)).equals(Buffer.from(encodeBrotliPostfix(floats, 0, 0)))).toBe(false);
    for (const [np, nd] of [[1, 0], [2, 16], [3, 24]]) {
      const packed = packAsBrotliPostfix(floats, np, nd);
      expect(describePacked(packed).sections.map((s) => s.kind)).toEqual(['shared']);
      expect(Buffer.from(unpackModel(packed)).equals(Buffer.from(floats))).toBe(true);
    }
  });

  it('rejects a wrong magic, a bad checksum and an oversized declared size', () => {
    const bytes = readFixture('tflm/hello_world_int8.tflite');
    expect(isPacked(bytes)).toBe(false);
    expect(() => unpackModel(bytes)).toThrow(PackFormatError);
    const packed = packModel(bytes);
    const badCrc = packed.slice();
    badCrc[9] ^= 1; // version 2: CRC-32C at bytes 9..12
    expect(() => unpackModel(badCrc)).toThrow(/checksum/);
    expect(() => unpackModel(packed, { maxDecodedSize: bytes.length - 1 })).toThrow(/exceeds the limit/);
    expect(unpackModel(packed, { maxDecodedSize: bytes.length }).length).toBe(bytes.length);
  });

  it('refuses a shared stream that decodes to more than its SHARED sections, without producing the rest', () => {
    const bomb = sharedStreamBomb(1000);
    expect(bomb.length).toBeLessThan(200);
    const before = process.memoryUsage().arrayBuffers;
    expect(() => unpackModel(bomb)).toThrow(/shared stream/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 << 20);
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
    // Structure and small buffers in the shared stream, the two largest weight buffers Huffman-coded.
    expect(stats.sections.map((s) => s.kind)).toEqual(['shared', 'bytes', 'shared', 'bytes', 'shared']);
    expect(stats.sharedDecodedLength).toBe(bytes.length - 16384 - 65536);
  });
});
