/**
 * The encoder: segments a .tflite file into byte ranges (int8 weight buffers, other constant buffers,
 * and the flatbuffer structure between them), codes each range every way the format allows and keeps
 * the smallest. The decoder needs no TFLite knowledge: it only concatenates decoded ranges.
 */
import { encodeBytes, BYTE_CONTEXT_OPTIONS } from './byte-coder.js';
import { SectionKind, writeContainer, type SectionEntry } from './container.js';
import { crc32c } from './crc32c.js';
import { encodeDeflate } from './deflate-coder.js';
import { encodeInt8, tokenize } from './int8-coder.js';

/** Int8 context counts the encoder tries (the format allows 1..8). */
export const INT8_CONTEXT_TRIALS = [1, 2, 3, 4, 5, 6, 8];
/** Context counts tried for INT8_DENSITY sections (4 tables each). */
export const INT8_DENSITY_TRIALS = [1, 2, 3, 5];
import { tfliteBufferRanges } from './tflite-ranges.js';

/**
 * Buffers smaller than these stay inside the surrounding structure section: a section costs a 12-byte
 * entry, its tables and decoder setup, which small buffers (scales, biases, tiny filters) do not earn back.
 */
const MIN_OWN_INT8_SECTION = 1024;
const MIN_OWN_OTHER_SECTION = 4096;
/** Section lengths are 32-bit; split longer ranges (well below the limit, to bound encoder memory). */
const MAX_SECTION = 1 << 30;

interface Range {
  offset: number;
  length: number;
  /** The range is an int8 tensor's buffer (coded every way but DEFLATE; other ranges every way). */
  int8: boolean;
}

export function packModel(tfliteBytes: Uint8Array): Uint8Array {
  const sections = segment(tfliteBytes).map((r) => encodeSection(tfliteBytes.subarray(r.offset, r.offset + r.length), r.int8));
  return writeContainer(tfliteBytes.length, crc32c(tfliteBytes), sections);
}

function segment(bytes: Uint8Array): Range[] {
  const out: Range[] = [];
  const push = (offset: number, length: number, int8: boolean): void => {
    for (let o = offset; o < offset + length; o += MAX_SECTION) {
      out.push({ offset: o, length: Math.min(MAX_SECTION, offset + length - o), int8 });
    }
  };
  let pos = 0;
  for (const r of tfliteBufferRanges(bytes)) {
    if (r.length < (r.int8 ? MIN_OWN_INT8_SECTION : MIN_OWN_OTHER_SECTION)) continue;
    if (r.offset > pos) push(pos, r.offset - pos, false);
    push(r.offset, r.length, r.int8);
    pos = r.offset + r.length;
  }
  if (pos < bytes.length) push(pos, bytes.length - pos, false);
  return out;
}

/**
 * Tries raw, DEFLATE, byte Huffman and int8 token coding and keeps the smallest (ties go to the choice
 * tried first). The int8 coder is tried on every range: the flatbuffer
 * structure is full of zero runs too.
 */
function encodeSection(data: Uint8Array, int8Weights: boolean): { entry: SectionEntry; payload: Uint8Array } {
  let best = { entry: { kind: SectionKind.RAW as SectionEntry['kind'], contexts: 0, decodedLength: data.length, encodedLength: data.length }, payload: data };
  const consider = (kind: SectionEntry['kind'], contexts: number, payload: Uint8Array): void => {
    if (payload.length < best.payload.length) {
      best = { entry: { kind, contexts, decodedLength: data.length, encodedLength: payload.length }, payload };
    }
  };
  // LZ77 finds nothing in weight values that the token coder misses, and zlib's level 9 match search is
  // slow on long zero runs (seconds per MB), so int8 weight buffers skip it.
  if (!int8Weights) consider(SectionKind.DEFLATE, 0, encodeDeflate(data));
  for (const c of BYTE_CONTEXT_OPTIONS) consider(SectionKind.BYTES, c, encodeBytes(data, c));
  const tokens = tokenize(data);
  for (const c of INT8_CONTEXT_TRIALS) consider(SectionKind.INT8, c, encodeInt8(data, c, tokens));
  for (const c of INT8_DENSITY_TRIALS) consider(SectionKind.INT8_DENSITY, c, encodeInt8(data, c, tokens, true));
  return best;
}

/**
 * A container holding `data` as one INT8_DENSITY section with `contexts` contexts, whatever its size:
 * for test vectors and fuzzing, since the encoder picks that kind only where its 4x tables pay off.
 */
export function packAsInt8Density(data: Uint8Array, contexts: number): Uint8Array {
  const payload = encodeInt8(data, contexts, tokenize(data), true);
  const entry: SectionEntry = { kind: SectionKind.INT8_DENSITY, contexts, decodedLength: data.length, encodedLength: payload.length };
  return writeContainer(data.length, crc32c(data), data.length ? [{ entry, payload }] : []);
}
