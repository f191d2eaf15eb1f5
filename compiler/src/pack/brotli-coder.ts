/**
 * The shared Brotli stream of version 2 (RFC 7932): LZ77 with context-modelled literals, for the
 * flatbuffer structure and float buffers, where it beats DEFLATE and per-byte Huffman codes. Node's
 * zlib bundles the reference C encoder and decoder; Android decodes it with org.brotli:dec.
 */
import { brotliCompressSync, brotliDecompressSync, constants as zc, type BrotliCompress } from 'node:zlib';
import { PRIMING_DICTIONARY, primedStream } from './brotli-dictionary.js';
import { PackFormatError } from './errors.js';

/**
 * Encoder settings tried, the smallest output kept (earliest on ties): the generic and the "font" mode
 * (different literal context and distance heuristics), with and without literal context modelling (which
 * costs table bits on small inputs), windows of 2^22 (`brotli`'s default), 2^24 and the smallest holding
 * the input (the encoder's hashing and block splitting differ with the window: ±0.1 %), and distance
 * codes with postfix bits (NPOSTFIX: the low bits of a distance get their own codes, which fits the 2-
 * and 4-byte strides of float and int16 data; the encoder does not try them by itself in generic mode).
 * Postfix bits take 30-150 bytes off the dynamic-range MediaPipe and openWakeWord files, where
 * `brotli -q 11` is the best general-purpose compressor and our container's ~18 bytes would otherwise
 * exceed it; no one setting wins on all of them (1, 2 and 3 postfix bits each win on some). Quality 11
 * runs at ~1 MB/s, so larger inputs get fewer settings: 256 KiB to 1 MiB six, above that four (the postfix
 * ones and the font mode, which between them beat `brotli -q 11` by more than the container's bytes on
 * every dynamic-range corpus file where it is the best other compressor), and above 16 MiB quality 10
 * (within ~0.3 % of 11 at half the time).
 */
interface Setting { mode: number; noLiteralContexts: 0 | 1; window: 'fit' | 22 | 24; npostfix: number; ndirect: number }
const setting = (mode: number, noLiteralContexts: 0 | 1, window: Setting['window'], npostfix = 0, ndirect = 0): Setting =>
  ({ mode, noLiteralContexts, window, npostfix, ndirect });
const HUGE_INPUT_SETTINGS: Setting[] = [
  setting(zc.BROTLI_MODE_GENERIC, 0, 22, 1),
  setting(zc.BROTLI_MODE_GENERIC, 0, 22, 2),
  setting(zc.BROTLI_MODE_GENERIC, 0, 22, 3),
  setting(zc.BROTLI_MODE_FONT, 0, 24),
];
const LARGE_INPUT_SETTINGS: Setting[] = [
  setting(zc.BROTLI_MODE_GENERIC, 0, 'fit'),
  setting(zc.BROTLI_MODE_GENERIC, 0, 22),
  ...HUGE_INPUT_SETTINGS,
];
const SETTINGS: Setting[] = [
  ...LARGE_INPUT_SETTINGS,
  setting(zc.BROTLI_MODE_FONT, 0, 'fit'),
  setting(zc.BROTLI_MODE_GENERIC, 1, 'fit'),
  setting(zc.BROTLI_MODE_FONT, 1, 'fit'),
  setting(zc.BROTLI_MODE_GENERIC, 0, 'fit', 1),
  setting(zc.BROTLI_MODE_GENERIC, 0, 'fit', 2, 16),
];
const ALL_SETTINGS_BELOW = 256 * 1024;
const LARGE_SETTINGS_UP_TO = 1024 * 1024;
const QUALITY_11_UP_TO = 16 * 1024 * 1024;

/** Window bits: the smallest window holding the whole input (fewer header bits), 16..24. */
function windowBits(n: number): number {
  let w = 16;
  while (w < 24 && (1 << w) - 16 < n) w++;
  return w;
}

/**
 * The smallest stream over the settings. `estimate`: one setting at quality 10, to decide whether a
 * buffer is better off in a section of its own.
 */
export function encodeBrotli(data: Uint8Array, estimate = false): Uint8Array {
  const settings = estimate ? SETTINGS.slice(0, 1)
    : data.length < ALL_SETTINGS_BELOW ? SETTINGS
    : data.length <= LARGE_SETTINGS_UP_TO ? LARGE_INPUT_SETTINGS
    : HUGE_INPUT_SETTINGS;
  const quality = estimate || data.length > QUALITY_11_UP_TO ? 10 : 11;
  let best: Uint8Array | undefined;
  for (const s of settings) {
    const out = encodeWith(data, quality, s);
    if (!best || out.length < best.length) best = out;
  }
  return best ?? new Uint8Array(0);
}

/** One Brotli stream with `npostfix` postfix bits and `ndirect` direct distance codes (tests, vectors). */
export function encodeBrotliPostfix(data: Uint8Array, npostfix: number, ndirect: number): Uint8Array {
  return encodeWith(data, 9, setting(zc.BROTLI_MODE_GENERIC, 0, 'fit', npostfix, ndirect));
}

function encodeWith(data: Uint8Array, quality: number, s: Setting): Uint8Array {
  return brotliCompressSync(data, {
    params: {
      [zc.BROTLI_PARAM_QUALITY]: quality,
      [zc.BROTLI_PARAM_LGWIN]: s.window === 'fit' ? windowBits(data.length) : s.window,
      [zc.BROTLI_PARAM_MODE]: s.mode,
      [zc.BROTLI_PARAM_DISABLE_LITERAL_CONTEXT_MODELING]: s.noLiteralContexts,
      [zc.BROTLI_PARAM_NPOSTFIX]: s.npostfix,
      [zc.BROTLI_PARAM_NDIRECT]: s.ndirect,
      [zc.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
}

/**
 * Decodes the stream in data[start, end) to exactly `outLength` bytes. The output is capped at
 * `outLength` while decoding (a stream claiming more is refused, not buffered), and the stream must end
 * exactly at `end`.
 */
export function decodeBrotli(data: Uint8Array, start: number, end: number, outLength: number, primed = false): Uint8Array {
  // A primed stream continues the priming prefix: decode both, then drop the dictionary's bytes.
  const input = primed ? primedStream(data, start, end) : data.subarray(start, end);
  const skip = primed ? PRIMING_DICTIONARY.length : 0;
  let result: { buffer: Buffer; engine: BrotliCompress };
  try {
    // `info: true` exposes the engine, whose bytesWritten is the input the stream actually used.
    result = brotliDecompressSync(input, { info: true, maxOutputLength: skip + outLength } as object) as unknown as {
      buffer: Buffer;
      engine: BrotliCompress;
    };
  } catch (e) {
    throw new PackFormatError(`shared stream: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (result.buffer.length !== skip + outLength) throw new PackFormatError('shared stream: decoded length differs from the table');
  if (result.engine.bytesWritten !== input.length) throw new PackFormatError('shared stream: bytes after the end of the stream');
  return result.buffer.subarray(skip);
}
