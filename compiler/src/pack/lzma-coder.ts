/**
 * LZMA sections (version 2, kind 7): one raw LZMA2 stream (the chunk format inside .xz, without the .xz
 * container) whose dictionary size is not stored but follows from the section's decoded length. LZMA's
 * literal coder conditions on the previous byte's high bits and on the position modulo 4 (lc/lp/pb),
 * which fits float32 arrays where Brotli's literal contexts do not: an audio front-end's DFT matrix is
 * 15 % smaller than under Brotli -q 11. liblzma (through lzma-native's bundled build) encodes and
 * decodes here; Android decodes with org.tukaani:xz's LZMA2InputStream.
 */
import { createRequire } from 'node:module';
import { PackFormatError } from './errors.js';

interface NativeStream {
  rawEncoder(options: { filters: Filter[] }): void;
  rawDecoder(options: { filters: Filter[] }): void;
  code(chunk: Uint8Array | null, async: boolean): void;
  resetUnderlying(): void;
  bufferHandler: (buf: Buffer | null, processed: number | undefined, err: Error | null, totalIn: number | null, totalOut: number | null) => void;
}
interface Filter { id: number; options: Record<string, number> }
interface LzmaNative {
  Stream: new () => NativeStream;
  FILTER_LZMA2: number;
  MODE_NORMAL: number;
  MF_BT4: number;
}

const lzma = createRequire(import.meta.url)('lzma-native') as LzmaNative;

/** LZMA's smallest dictionary (liblzma and org.tukaani:xz both accept it). */
const MIN_DICT = 4096;

/** The dictionary size of an LZMA section of `decodedLength` bytes (docs/format.md): never stored. */
export function lzmaDictSize(decodedLength: number): number {
  return Math.max(MIN_DICT, decodedLength);
}

/**
 * Literal context settings tried, the smallest output kept (earliest on ties): 4-byte positions with one
 * bit of the previous byte (float32 arrays: 155.3 vs 163.4 KB for xz's default on the mel front-end), and
 * xz's default (lc 3, lp 0, pb 2: byte-oriented data such as the flatbuffer structure). Inputs above
 * 1 MiB get the first only: the encoder runs at ~0.3 MB/s.
 */
const SETTINGS: { lc: number; lp: number; pb: number }[] = [
  { lc: 1, lp: 2, pb: 2 },
  { lc: 3, lp: 0, pb: 2 },
];
const ALL_SETTINGS_UP_TO = 1024 * 1024;

/**
 * The match finder of `xz -9e` (binary tree over 4-byte hashes, nice length 273, depth 512): `-9`'s
 * depth and nice length (64) lose 4 % on float data.
 */
function encoderOptions(length: number, s: { lc: number; lp: number; pb: number }): Record<string, number> {
  return { dictSize: lzmaDictSize(length), mode: lzma.MODE_NORMAL, niceLen: 273, mf: lzma.MF_BT4, depth: 512, ...s };
}

/** The smallest raw LZMA2 stream over the settings. `estimate`: the first setting only. */
export function encodeLzma(data: Uint8Array, estimate = false): Uint8Array {
  const settings = estimate || data.length > ALL_SETTINGS_UP_TO ? SETTINGS.slice(0, 1) : SETTINGS;
  let best: Uint8Array | undefined;
  for (const s of settings) {
    const out = code('encode', encoderOptions(data.length, s), data);
    if (!best || out.data.length < best.length) best = out.data;
  }
  return best ?? new Uint8Array(0);
}

/**
 * Checks the LZMA2 chunk headers of data[start, end) before decoding (docs/format.md "LZMA sections"):
 * chunk sizes are in the headers, so a stream that would decode to more or fewer than `outLength` bytes,
 * or that ends before `end`, is refused without running the decoder, whose output is then bounded.
 */
export function checkLzma2Chunks(data: Uint8Array, start: number, end: number, outLength: number): void {
  let p = start;
  let total = 0;
  let first = true;
  for (;;) {
    if (p >= end) throw new PackFormatError('LZMA section: stream ends without its end marker');
    const control = data[p]!;
    if (control === 0) break;
    let unpacked: number;
    let packed: number;
    let header: number;
    if (control === 1 || control === 2) {
      if (p + 3 > end) throw new PackFormatError('LZMA section: truncated chunk header');
      unpacked = ((data[p + 1]! << 8) | data[p + 2]!) + 1;
      packed = unpacked;
      header = 3;
      if (first && control !== 1) throw new PackFormatError('LZMA section: first chunk does not reset the dictionary');
    } else if (control >= 0x80) {
      header = control >= 0xc0 ? 6 : 5;
      if (p + header > end) throw new PackFormatError('LZMA section: truncated chunk header');
      unpacked = (control & 0x1f) * 65536 + ((data[p + 1]! << 8) | data[p + 2]!) + 1;
      packed = ((data[p + 3]! << 8) | data[p + 4]!) + 1;
      if (first && control < 0xe0) throw new PackFormatError('LZMA section: first chunk does not reset the dictionary and properties');
    } else {
      throw new PackFormatError(`LZMA section: invalid chunk control byte ${control}`);
    }
    total += unpacked;
    if (total > outLength) throw new PackFormatError('LZMA section: chunks decode to more than the table says');
    p += header + packed;
    first = false;
  }
  if (total !== outLength) throw new PackFormatError('LZMA section: chunks decode to fewer bytes than the table says');
  if (p + 1 !== end) throw new PackFormatError('LZMA section: bytes after the end of the stream');
}

/**
 * Decodes the raw LZMA2 stream in data[start, end) to exactly `outLength` bytes into out[dst..]. The
 * stream must end (its end marker) exactly at `end`.
 */
export function decodeLzma(data: Uint8Array, start: number, end: number, out: Uint8Array, dst: number, outLength: number): void {
  checkLzma2Chunks(data, start, end, outLength);
  const { data: decoded, ended, consumed } = code('decode', { dictSize: lzmaDictSize(outLength) }, data.subarray(start, end));
  if (decoded.length !== outLength) throw new PackFormatError('LZMA section: decoded length differs from the table');
  if (!ended) throw new PackFormatError('LZMA section: stream does not end');
  if (consumed !== end - start) throw new PackFormatError('LZMA section: bytes after the end of the stream');
  out.set(decoded, dst);
}

/** Runs liblzma's raw LZMA2 coder synchronously over the whole input. */
function code(direction: 'encode' | 'decode', options: Record<string, number>, input: Uint8Array): { data: Uint8Array; ended: boolean; consumed: number } {
  const s = new lzma.Stream();
  const chunks: Buffer[] = [];
  let error: Error | null = null;
  let ended = false;
  let consumed = 0;
  s.bufferHandler = (buf, processed, err, totalIn) => {
    if (err) error = err;
    else if (buf) chunks.push(buf);
    else if (processed === undefined) ended = true;
    if (typeof totalIn === 'number') consumed = totalIn;
  };
  const filters = [{ id: lzma.FILTER_LZMA2, options }];
  try {
    if (direction === 'encode') s.rawEncoder({ filters });
    else s.rawDecoder({ filters });
    if (input.length) s.code(input, false);
    if (!ended && !error) s.code(null, false);
  } catch (e) {
    error = e instanceof Error ? e : new Error(String(e));
  } finally {
    s.resetUnderlying();
  }
  if (error) {
    const message = `LZMA section: ${(error as Error).message}`;
    if (direction === 'decode') throw new PackFormatError(message);
    throw new Error(message);
  }
  return { data: Buffer.concat(chunks), ended, consumed };
}
