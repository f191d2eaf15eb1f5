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
 * costs table bits on small inputs), the smallest window holding the input and the largest (24 bits: the
 * encoder's block splitting and match search differ; on the 1 MB sample CNN it saves 0.14 %, on others
 * the small window wins). Each wins on some fixture by 0.1-1 %. Inputs of 256 KiB or more get the first
 * two only, and above 1 MiB quality 10 (within ~0.01 % of 11 on the fixtures at half the time): quality
 * 11 runs at ~0.2 MB/s.
 */
const SETTINGS: { mode: number; noLiteralContexts: 0 | 1; largeWindow: boolean }[] = [
  { mode: zc.BROTLI_MODE_GENERIC, noLiteralContexts: 0, largeWindow: false },
  { mode: zc.BROTLI_MODE_FONT, noLiteralContexts: 0, largeWindow: true },
  { mode: zc.BROTLI_MODE_FONT, noLiteralContexts: 0, largeWindow: false },
  { mode: zc.BROTLI_MODE_GENERIC, noLiteralContexts: 1, largeWindow: false },
  { mode: zc.BROTLI_MODE_FONT, noLiteralContexts: 1, largeWindow: false },
];
const ALL_SETTINGS_BELOW = 256 * 1024;
const QUALITY_11_UP_TO = 1024 * 1024;

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
  const settings = estimate ? SETTINGS.slice(0, 1) : data.length < ALL_SETTINGS_BELOW ? SETTINGS : SETTINGS.slice(0, 2);
  const quality = estimate || data.length > QUALITY_11_UP_TO ? 10 : 11;
  let best: Uint8Array | undefined;
  for (const s of settings) {
    const out = brotliCompressSync(data, {
      params: {
        [zc.BROTLI_PARAM_QUALITY]: quality,
        [zc.BROTLI_PARAM_LGWIN]: s.largeWindow ? 24 : windowBits(data.length),
        [zc.BROTLI_PARAM_MODE]: s.mode,
        [zc.BROTLI_PARAM_DISABLE_LITERAL_CONTEXT_MODELING]: s.noLiteralContexts,
        [zc.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    });
    if (!best || out.length < best.length) best = out;
  }
  return best ?? new Uint8Array(0);
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
