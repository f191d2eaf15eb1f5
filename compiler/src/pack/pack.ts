/**
 * The encoder (format version 2): finds the constant buffers of a .tflite file, codes each buffer of its
 * own with the Huffman coders (int8 tokens or bytes) or, for other than int8 buffers, LZMA when that
 * beats Brotli on it, and puts everything else (flatbuffer structure, small buffers) into one shared
 * Brotli stream, where repeats across the whole file are found. The whole file as one Brotli stream or
 * one LZMA section are the fallbacks when smaller. The decoder needs no TFLite knowledge: it only
 * concatenates decoded ranges.
 */
import { encodeBrotli, encodeBrotliPostfix } from './brotli-coder.js';
import { encodeBrotliPrimed } from './brotli-dictionary.js';
import { encodeBytes, BYTE_CONTEXT_OPTIONS } from './byte-coder.js';
import { SectionKind, writeContainer, writeContainerV1, type SectionEntry } from './container.js';
import { crc32c } from './crc32c.js';
import { encodeDeflate } from './deflate-coder.js';
import { encodeInt8, tokenize } from './int8-coder.js';
import { encodeInt8Rows } from './int8-rows.js';
import { encodeLzma } from './lzma-coder.js';
import { tfliteBufferRanges } from './tflite-ranges.js';

/** Int8 context counts the encoder tries (the format allows 1..8). */
export const INT8_CONTEXT_TRIALS = [1, 2, 3, 4, 5, 6, 8];
/** Context counts tried for INT8_DENSITY sections (4 tables each). */
export const INT8_DENSITY_TRIALS = [1, 2, 3, 5];
/**
 * [contexts, row groups] tried for INT8_ROWS sections (version 2, int8 buffers with a known row length).
 * On the bench models one context or two groups always lost to these.
 */
export const INT8_ROWS_TRIALS: readonly [number, number][] = [[2, 4], [2, 8], [2, 16], [3, 4], [3, 8]];
/**
 * INT8_ROWS needs enough data per group table and per-row statistics in memory: tried for buffers of
 * ≥ 4 KiB with at most 4096 rows.
 */
const MIN_ROWS_SECTION = 4096;
const MAX_ROWS = 4096;

/**
 * Version 1: buffers smaller than these stay inside the surrounding structure section: a section costs a
 * 12-byte entry, its tables and decoder setup, which small buffers (scales, biases, tiny filters) do not
 * earn back. Version 2 entries cost 3-6 bytes and the decision is measured, so the bounds are lower.
 */
const MIN_OWN_INT8_SECTION = 1024;
const MIN_OWN_OTHER_SECTION = 4096;
const V2_MIN_OWN_INT8_SECTION = 128;
const V2_MIN_OWN_OTHER_SECTION = 4096;
/** Section lengths are 32-bit; split longer ranges (well below the limit, to bound encoder memory). */
const MAX_SECTION = 1 << 30;

interface Range {
  offset: number;
  length: number;
  /** The range is an int8 tensor's buffer (coded every way but DEFLATE; other ranges every way). */
  int8: boolean;
  /** Int8 tensors: bytes per output channel (INT8_ROWS), when the shape gives one. */
  rowLength?: number;
}

type Section = { entry: SectionEntry; payload: Uint8Array };

export function packModel(tfliteBytes: Uint8Array): Uint8Array {
  const bytes = tfliteBytes;
  const crc = crc32c(bytes);
  if (bytes.length === 0) return writeContainer(0, crc, [], new Uint8Array(0));
  // Buffers that a Huffman coder codes smaller than Brotli does on its own (quality 10: within ~0.1 % of
  // 11 on weights at half the time).
  const own: { range: Range; section: Section }[] = [];
  for (const r of tfliteBufferRanges(bytes)) {
    if (r.length < (r.int8 ? V2_MIN_OWN_INT8_SECTION : V2_MIN_OWN_OTHER_SECTION) || r.length > MAX_SECTION) continue;
    const data = bytes.subarray(r.offset, r.offset + r.length);
    const section = encodeSection(data, r.int8, false, r.rowLength, true);
    if (section.payload.length + 4 < encodeBrotli(data, true).length) own.push({ range: r, section });
  }
  const candidates = [wholeFile(bytes, crc)];
  if (bytes.length <= MAX_SECTION) candidates.push(wholeFileLzma(bytes, crc));
  if (own.length) candidates.push(split(bytes, crc, own));
  return candidates.reduce((a, b) => (b.length < a.length ? b : a));
}

/**
 * Shared streams of up to this many bytes are also tried primed (brotli-dictionary.ts): the priming
 * words save tens of bytes, which matter only for small inputs (and the primed window is 2^18).
 */
const MAX_PRIMED_INPUT = 192 * 1024;

/** The shared stream for `data`: plain Brotli, or primed when that is smaller (context count 1 on SHARED entries). */
function sharedStream(data: Uint8Array): { stream: Uint8Array; primed: 0 | 1 } {
  const plain = encodeBrotli(data);
  const primed = data.length <= MAX_PRIMED_INPUT ? encodeBrotliPrimed(data) : undefined;
  return primed && primed.length < plain.length ? { stream: primed, primed: 1 } : { stream: plain, primed: 0 };
}

/**
 * What packModel spends on one buffer that gets a section of its own: the smaller of its best Huffman
 * section (plus a 4-byte entry) and Brotli on it alone, without the whole-file pass. Sections are
 * coded independently, so settings of one layer compare by this (--auto's per-layer sensitivity).
 * `rowLength`: bytes per output channel, as packModel reads it from the tensor's shape (INT8_ROWS).
 */
export function packedBufferBytes(data: Uint8Array, int8: boolean, rowLength?: number): number {
  const row = int8 && rowLength && rowLength < data.length && data.length % rowLength === 0 ? rowLength : undefined;
  const section = encodeSection(data, int8, false, row);
  return Math.min(section.payload.length + 4, encodeBrotli(data, true).length);
}

/** The whole file as one SHARED section (or RAW, when Brotli cannot shrink it). */
function wholeFile(bytes: Uint8Array, crc: number): Uint8Array {
  const { stream: shared, primed } = sharedStream(bytes);
  const sections: Section[] = [];
  const kind = shared.length < bytes.length ? SectionKind.SHARED : SectionKind.RAW;
  for (let o = 0; o < bytes.length; o += MAX_SECTION) {
    const n = Math.min(MAX_SECTION, bytes.length - o);
    const payload = kind === SectionKind.RAW ? bytes.subarray(o, o + n) : new Uint8Array(0);
    const contexts = kind === SectionKind.SHARED ? primed : 0;
    sections.push({ entry: { kind, contexts, decodedLength: n, encodedLength: payload.length }, payload });
  }
  return writeContainer(bytes.length, crc, sections, kind === SectionKind.SHARED ? shared : new Uint8Array(0));
}

/**
 * The whole file as one LZMA section: on float-heavy files (an audio front-end's DFT and filterbank
 * matrices) LZMA's position- and previous-byte-conditioned literals beat Brotli by 5-15 %.
 */
function wholeFileLzma(bytes: Uint8Array, crc: number): Uint8Array {
  const payload = encodeLzma(bytes);
  const entry: SectionEntry = { kind: SectionKind.LZMA, contexts: 0, decodedLength: bytes.length, encodedLength: payload.length };
  return writeContainer(bytes.length, crc, [{ entry, payload }], new Uint8Array(0));
}

/** `own` sections where they are, SHARED sections (one Brotli stream) for the bytes between them. */
function split(bytes: Uint8Array, crc: number, own: { range: Range; section: Section }[]): Uint8Array {
  const sections: Section[] = [];
  const sharedParts: Uint8Array[] = [];
  const pushShared = (from: number, to: number): void => {
    for (let o = from; o < to; o += MAX_SECTION) {
      const n = Math.min(MAX_SECTION, to - o);
      sections.push({ entry: { kind: SectionKind.SHARED, contexts: 0, decodedLength: n, encodedLength: 0 }, payload: new Uint8Array(0) });
      sharedParts.push(bytes.subarray(o, o + n));
    }
  };
  let pos = 0;
  for (const { range, section } of own) {
    if (range.offset > pos) pushShared(pos, range.offset);
    sections.push(section);
    pos = range.offset + range.length;
  }
  if (pos < bytes.length) pushShared(pos, bytes.length);
  const sharedBytes = concat(sharedParts);
  if (!sharedBytes.length) return writeContainer(bytes.length, crc, sections, sharedBytes);
  const { stream, primed } = sharedStream(sharedBytes);
  for (const s of sections) if (s.entry.kind === SectionKind.SHARED) s.entry.contexts = primed;
  return writeContainer(bytes.length, crc, sections, stream);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let p = 0;
  for (const part of parts) { out.set(part, p); p += part.length; }
  return out;
}

/** The version 1 encoder, kept so that version 1 files stay tested (round trips, vectors, fuzzing). */
export function packModelV1(tfliteBytes: Uint8Array): Uint8Array {
  const sections = segment(tfliteBytes).map((r) => encodeSection(tfliteBytes.subarray(r.offset, r.offset + r.length), r.int8, true));
  return writeContainerV1(tfliteBytes.length, crc32c(tfliteBytes), sections);
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
 * Tries raw, DEFLATE (when `deflate`), byte Huffman, int8 token coding and LZMA (when `lzma`, for other
 * than int8 weight buffers) and keeps the smallest (ties go to the choice tried first). The int8 coder is
 * tried on every range: the flatbuffer structure is full of zero runs too.
 */
function encodeSection(data: Uint8Array, int8Weights: boolean, deflate: boolean, rowLength?: number, lzma = false): Section {
  let best: Section = { entry: { kind: SectionKind.RAW, contexts: 0, decodedLength: data.length, encodedLength: data.length }, payload: data };
  const consider = (kind: SectionEntry['kind'], contexts: number, payload: Uint8Array): void => {
    if (payload.length < best.payload.length) {
      best = { entry: { kind, contexts, decodedLength: data.length, encodedLength: payload.length }, payload };
    }
  };
  // LZ77 finds nothing in weight values that the token coder misses, and zlib's level 9 match search is
  // slow on long zero runs (seconds per MB), so int8 weight buffers skip it.
  if (deflate && !int8Weights) consider(SectionKind.DEFLATE, 0, encodeDeflate(data));
  for (const c of BYTE_CONTEXT_OPTIONS) consider(SectionKind.BYTES, c, encodeBytes(data, c));
  const tokens = tokenize(data);
  for (const c of INT8_CONTEXT_TRIALS) consider(SectionKind.INT8, c, encodeInt8(data, c, tokens));
  for (const c of INT8_DENSITY_TRIALS) consider(SectionKind.INT8_DENSITY, c, encodeInt8(data, c, tokens, true));
  // Version 2 only (the v1 encoder passes no row length).
  const rows = rowLength ? data.length / rowLength : 0;
  if (rowLength && data.length >= MIN_ROWS_SECTION && rows <= MAX_ROWS) {
    for (const [c, g] of INT8_ROWS_TRIALS) if (g <= rows) consider(SectionKind.INT8_ROWS, c, encodeInt8Rows(data, rowLength, c, g, tokens));
  }
  // Version 2 only. Int8 weights: the token coders code them within a few % of their entropy, where
  // LZ77 finds little; LZMA's ~0.3 MB/s would only add encoding time.
  if (lzma && !int8Weights) consider(SectionKind.LZMA, 0, encodeLzma(data));
  return best;
}

/** A version 2 container holding `data` as one LZMA section (tests, vectors, fuzzing). */
export function packAsLzma(data: Uint8Array): Uint8Array {
  return data.length ? wholeFileLzma(data, crc32c(data)) : writeContainer(0, crc32c(data), [], new Uint8Array(0));
}

/**
 * A version 2 container holding `data` as one SHARED section whose Brotli stream codes distances with
 * `npostfix` postfix bits and `ndirect` direct codes (tests, vectors, fuzzing: the encoder keeps such a
 * stream only where it is the smallest).
 */
export function packAsBrotliPostfix(data: Uint8Array, npostfix: number, ndirect: number): Uint8Array {
  const entry: SectionEntry = { kind: SectionKind.SHARED, contexts: 0, decodedLength: data.length, encodedLength: 0 };
  return writeContainer(data.length, crc32c(data), [{ entry, payload: new Uint8Array(0) }], encodeBrotliPostfix(data, npostfix, ndirect));
}

/** A version 2 container holding `data` as one INT8 section with `contexts` contexts (tests, vectors, fuzzing). */
export function packAsInt8(data: Uint8Array, contexts = 3): Uint8Array {
  const payload = encodeInt8(data, contexts, tokenize(data));
  const entry: SectionEntry = { kind: SectionKind.INT8, contexts, decodedLength: data.length, encodedLength: payload.length };
  return writeContainer(data.length, crc32c(data), data.length ? [{ entry, payload }] : [], new Uint8Array(0));
}

/** A version 2 container holding `data` as one INT8_ROWS section (tests, vectors, fuzzing). */
export function packAsInt8Rows(data: Uint8Array, rowLength: number, contexts: number, groups: number): Uint8Array {
  const payload = encodeInt8Rows(data, rowLength, contexts, groups);
  const entry: SectionEntry = { kind: SectionKind.INT8_ROWS, contexts, decodedLength: data.length, encodedLength: payload.length };
  return writeContainer(data.length, crc32c(data), data.length ? [{ entry, payload }] : [], new Uint8Array(0));
}

/**
 * A container holding `data` as one INT8_DENSITY section with `contexts` contexts, whatever its size:
 * for test vectors and fuzzing, since the encoder picks that kind only where its 4x tables pay off.
 */
export function packAsInt8Density(data: Uint8Array, contexts: number): Uint8Array {
  const payload = encodeInt8(data, contexts, tokenize(data), true);
  const entry: SectionEntry = { kind: SectionKind.INT8_DENSITY, contexts, decodedLength: data.length, encodedLength: payload.length };
  return writeContainer(data.length, crc32c(data), data.length ? [{ entry, payload }] : [], new Uint8Array(0));
}
