import { describe, expect, it } from 'vitest';
import { brotliCompressSync, constants as zc } from 'node:zlib';
import { describePacked, packModel, PackFormatError, unpackModel } from './index.js';
import { checkLzma2Chunks, encodeLzma } from './lzma-coder.js';
import { packAsLzma } from './pack.js';
import { dftFloat32, lzmaBomb } from './synthetic.js';

describe('LZMA sections', () => {
  const dft = dftFloat32(33, 64); // 16,896 bytes of float32 cos/sin rows

  it('packModel codes float32 DFT rows as one LZMA section, smaller than Brotli -q 11, and decodes them exactly', () => {
    const packed = packModel(dft);
    expect(describePacked(packed).sections.map((s) => s.kind)).toEqual(['lzma']);
    const brotli = brotliCompressSync(dft, { params: { [zc.BROTLI_PARAM_QUALITY]: 11, [zc.BROTLI_PARAM_LGWIN]: 24 } });
    expect(packed.length).toBeLessThan(brotli.length);
    expect(Buffer.from(unpackModel(packed)).equals(Buffer.from(dft))).toBe(true);
  });

  it('is deterministic: the same input gives the same stream', () => {
    expect(Buffer.from(encodeLzma(dft)).equals(Buffer.from(encodeLzma(dft)))).toBe(true);
  });

  it('refuses a stream whose chunks decode to more than the table says, from the headers (1 MiB for 1000 declared)', () => {
    const bomb = lzmaBomb(encodeLzma(new Uint8Array(1 << 20), true));
    const before = process.memoryUsage().arrayBuffers;
    expect(() => unpackModel(bomb)).toThrow(/chunks decode to more/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
  });

  it('refuses trailing bytes, a missing end marker, fewer bytes than declared and bad control bytes', () => {
    const stream = encodeLzma(dft.subarray(0, 4096));
    const check = (s: Uint8Array, n = 4096): void => checkLzma2Chunks(s, 0, s.length, n);
    expect(() => check(stream)).not.toThrow();
    expect(() => check(Uint8Array.of(...stream, 0))).toThrow(/after the end/);
    expect(() => check(stream.subarray(0, stream.length - 1))).toThrow(/without its end marker/);
    expect(() => check(stream, 4097)).toThrow(/fewer bytes/);
    expect(() => check(Uint8Array.of(0x03, 0))).toThrow(/control byte/);
    expect(() => check(Uint8Array.of(0x80, 0, 0, 0, 0, 0, 0), 1)).toThrow(/does not reset/);
    const packed = packAsLzma(dft.subarray(0, 4096));
    const cut = packed.subarray(0, packed.length - 1);
    expect(() => unpackModel(cut)).toThrow(PackFormatError);
  });

  it('refuses a corrupted stream with PackFormatError, not another error', () => {
    const packed = packAsLzma(dft);
    const bad = packed.slice();
    bad[bad.length - 200] ^= 0x55;
    expect(() => unpackModel(bad)).toThrow(PackFormatError);
  });
});
