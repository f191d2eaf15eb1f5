import { brotliCompressSync, constants as zc } from 'node:zlib';
import { SectionKind, writeContainer, type SectionEntry } from './container.js';
import { crc32c } from './crc32c.js';

/** Deterministic synthetic int8 weights (tests and bench): Laplacian values with a share of exact zeros. */
export function laplacianInt8(n: number, zeroFraction: number, scale: number, seed: number): Uint8Array {
  let s = seed >>> 0 || 1;
  const rand = (): number => {
    // xorshift32: fast, deterministic, good enough for test data.
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (rand() < zeroFraction) continue;
    const mag = -scale * Math.log(rand());
    const v = Math.max(-127, Math.min(127, Math.round(rand() < 0.5 ? -mag : mag)));
    out[i] = v & 0xff;
  }
  return out;
}

/** Rows of int8 weights whose zero fraction alternates between sparse and dense, like unevenly pruned neurons. */
export function unevenRowsInt8(rows: number, rowLength: number, seed: number, sparse = 0.8, dense = 0.3): Uint8Array {
  const out = new Uint8Array(rows * rowLength);
  for (let r = 0; r < rows; r++) out.set(laplacianInt8(rowLength, r % 3 === 0 ? sparse : dense, 20, seed + r), r * rowLength);
  return out;
}

/**
 * An invalid version 2 file: the model packed with a primed shared stream, its SHARED section split in two
 * whose entries disagree on priming (context counts 1 and 0). Decoders must refuse it.
 */
export function mixedPrimingFile(model: Uint8Array, primedStream: Uint8Array): Uint8Array {
  const half = model.length >> 1;
  const entry = (contexts: number, decodedLength: number): { entry: SectionEntry; payload: Uint8Array } =>
    ({ entry: { kind: SectionKind.SHARED, contexts, decodedLength, encodedLength: 0 }, payload: new Uint8Array(0) });
  return writeContainer(model.length, crc32c(model), [entry(1, half), entry(0, model.length - half)], primedStream);
}

/**
 * A hostile version 2 file: one SHARED section of `declared` bytes, but a shared Brotli stream that
 * decodes to 64 MiB of zeros (a few dozen bytes of stream). Decoders must refuse it without decoding or
 * allocating the 64 MiB.
 */
export function sharedStreamBomb(declared = 1000): Uint8Array {
  const stream = brotliCompressSync(new Uint8Array(64 << 20), { params: { [zc.BROTLI_PARAM_QUALITY]: 5 } });
  const entry = { kind: SectionKind.SHARED, contexts: 0, decodedLength: declared, encodedLength: 0 };
  return writeContainer(declared, crc32c(new Uint8Array(declared)), [{ entry, payload: new Uint8Array(0) }], stream);
}

/**
 * Float32 DFT basis rows (cos and sin of `bins` frequencies over `frames` samples, little-endian), like
 * the matrices of an audio front-end: the float data LZMA sections are for.
 */
export function dftFloat32(bins: number, frames: number): Uint8Array {
  const values = new Float32Array(2 * bins * frames);
  for (let k = 0; k < bins; k++) {
    for (let n = 0; n < frames; n++) {
      values[k * frames + n] = Math.cos((2 * Math.PI * k * n) / frames);
      values[(bins + k) * frames + n] = -Math.sin((2 * Math.PI * k * n) / frames);
    }
  }
  return new Uint8Array(values.buffer);
}

/**
 * A hostile version 2 file: one LZMA section of `declared` bytes whose raw LZMA2 stream decodes to
 * more (a stream of zeros, from the caller). Decoders must refuse it from the chunk headers, before
 * decoding or allocating what the stream claims.
 */
export function lzmaBomb(stream: Uint8Array, declared = 1000): Uint8Array {
  const entry: SectionEntry = { kind: SectionKind.LZMA, contexts: 0, decodedLength: declared, encodedLength: stream.length };
  return writeContainer(declared, crc32c(new Uint8Array(declared)), [{ entry, payload: stream }], new Uint8Array(0));
}
