/**
 * The int8 weight coder: canonical Huffman over tokens that are either a non-zero int8 value or a run
 * of zeros (sparse-aware, as in JPEG's run/level coding and Deep Compression), with one table per
 * context. With K contexts (1..8) the context is the class of the previous token: 0 after a zero run
 * (and at the start); after a literal of magnitude m, the first class k in 1..K-2 with m ≤ t_k, else
 * K-1. The K-2 thresholds are chosen per section. K = 1 uses a single table.
 *
 * Alphabet (303 symbols), ordered so neighbouring symbols have similar code lengths:
 *   0..253    literal ±1..±127 in zigzag order (0 → +1, 1 → -1, 2 → +2, ...)
 *   254       literal -128
 *   255..270  zero run of length 1..16
 *   271..302  zero run of length 16 + 2^e + x, e = symbol - 271, x read as e extra bits
 */
import { BitReader } from './bit-reader.js';
import { BitWriter } from './bit-writer.js';
import { PackFormatError } from './errors.js';
import { bitWindow, finishWindow } from './bit-window.js';
import { buildDecoder, codeLengths, encoderCodes } from './huffman.js';
import { readLengths, writeLengths } from './table-coder.js';

export const INT8_ALPHABET = 303;
export const MAX_INT8_CONTEXTS = 8;
export const RUN_BASE = 255;
const DIRECT_RUNS = 16;
export const ESCAPE_BASE = RUN_BASE + DIRECT_RUNS;

function literalSymbol(v: number): number {
  if (v === -128) return 254;
  return v > 0 ? 2 * v - 2 : -2 * v - 1;
}

export function literalValue(s: number): number {
  if (s === 254) return -128;
  return s & 1 ? -((s + 1) >> 1) : (s >> 1) + 1;
}

/** Context of the token after each symbol, given K and the K-2 magnitude thresholds. */
export function contextTable(contexts: number, t: readonly number[]): Uint8Array {
  const ctx = new Uint8Array(INT8_ALPHABET);
  if (contexts === 1) return ctx;
  for (let s = 0; s < RUN_BASE; s++) {
    const a = Math.abs(literalValue(s));
    let k = 0;
    while (k < t.length && a > t[k]) k++;
    ctx[s] = k + 1;
  }
  return ctx;
}

/**
 * Zero-density context (INT8_DENSITY sections): z in 0..4096 is an exponential moving average of
 * "this output byte is zero" with weight 1/64 per byte, in integers so every decoder agrees bit for bit.
 * Its class (z >> 10, at most 3) multiplies the context count: table = class * K + previous-token context.
 * Trained layers prune unevenly (some neurons keep most weights, others few), which this tracks.
 */
export const DENSITY_LEVELS = 4;
const DENSITY_MAX_RUN = 256;
/** DENSITY_DECAY[L] = 65536 * (63/64)^L, by an exact integer recurrence. */
const DENSITY_DECAY = (() => {
  const p = new Int32Array(DENSITY_MAX_RUN + 1);
  p[0] = 65536;
  for (let l = 1; l <= DENSITY_MAX_RUN; l++) p[l] = (p[l - 1] * 63) >> 6;
  return p;
})();

function densityAfterRun(z: number, len: number): number {
  return 4096 - (((4096 - z) * DENSITY_DECAY[len < DENSITY_MAX_RUN ? len : DENSITY_MAX_RUN]) >> 16);
}

function densityClass(z: number): number {
  return z >> 10 < 3 ? z >> 10 : 3;
}

export function runLength(s: number, extra: number): number {
  return s < ESCAPE_BASE ? s - RUN_BASE + 1 : DIRECT_RUNS + 2 ** (s - ESCAPE_BASE) + extra;
}

export interface Int8Tokens {
  syms: Uint16Array;
  /** Extra-bit value per token (escape runs only). */
  extra: Float64Array;
  n: number;
  /** Histogram of |v| over literals, index 1..128. */
  magnitudes: Float64Array;
}

export function tokenize(data: Uint8Array): Int8Tokens {
  const syms = new Uint16Array(data.length);
  const extra = new Float64Array(data.length);
  const magnitudes = new Float64Array(129);
  let n = 0;
  let i = 0;
  while (i < data.length) {
    if (data[i] !== 0) {
      const v = (data[i] << 24) >> 24;
      syms[n++] = literalSymbol(v);
      magnitudes[Math.abs(v)]++;
      i++;
      continue;
    }
    let j = i;
    while (j < data.length && data[j] === 0) j++;
    const len = j - i;
    if (len <= DIRECT_RUNS) {
      syms[n++] = RUN_BASE + len - 1;
    } else {
      const x = len - DIRECT_RUNS;
      const e = Math.floor(Math.log2(x));
      syms[n] = ESCAPE_BASE + e;
      extra[n++] = x - 2 ** e;
    }
    i = j;
  }
  return { syms, extra, n, magnitudes };
}

/** Thresholds at the k/(K-1) quantiles of the section's literal magnitudes, strictly increasing where possible. */
export function quantileThresholds(magnitudes: Float64Array, contexts: number): number[] {
  const count = Math.max(0, contexts - 2);
  let total = 0;
  for (let a = 1; a <= 128; a++) total += magnitudes[a];
  const t: number[] = [];
  let cum = 0;
  let a = 1;
  for (let k = 1; k <= count; k++) {
    while (a < 128 && cum + magnitudes[a] < (k / (count + 1)) * total) cum += magnitudes[a++];
    t.push(a);
  }
  return t;
}

/** The table each token is coded with: its previous-token context, times the density class if `density`. */
function tokenTables(tok: Int8Tokens, contexts: number, ctxOf: Uint8Array, density: boolean): Uint8Array {
  const table = new Uint8Array(tok.n);
  let pc = 0;
  let z = 0;
  for (let k = 0; k < tok.n; k++) {
    const s = tok.syms[k];
    table[k] = (density ? densityClass(z) * contexts : 0) + pc;
    pc = ctxOf[s];
    if (density) z = s < RUN_BASE ? z - (z >> 6) : densityAfterRun(z, runLength(s, tok.extra[k]));
  }
  return table;
}

/** Per-table symbol counts when coding `tok` with the given contexts. */
export function contextCounts(tok: Int8Tokens, contexts: number, ctxOf: Uint8Array, density = false): Float64Array[] {
  const counts: Float64Array[] = [];
  for (let c = 0; c < (density ? DENSITY_LEVELS : 1) * contexts; c++) counts.push(new Float64Array(INT8_ALPHABET));
  const table = tokenTables(tok, contexts, ctxOf, density);
  for (let k = 0; k < tok.n; k++) counts[table[k]][tok.syms[k]]++;
  return counts;
}

/**
 * Encodes `data` (int8 values as bytes) with `contexts` previous-token contexts, times DENSITY_LEVELS
 * zero-density classes when `density` (an INT8_DENSITY section); returns the section payload.
 */
export function encodeInt8(data: Uint8Array, contexts: number, tokens: Int8Tokens = tokenize(data), density = false): Uint8Array {
  const tok = tokens;
  const t = quantileThresholds(tok.magnitudes, contexts);
  const ctxOf = contextTable(contexts, t);
  const table = tokenTables(tok, contexts, ctxOf, density);
  const counts: Float64Array[] = [];
  for (let c = 0; c < (density ? DENSITY_LEVELS : 1) * contexts; c++) counts.push(new Float64Array(INT8_ALPHABET));
  for (let k = 0; k < tok.n; k++) counts[table[k]][tok.syms[k]]++;
  const bw = new BitWriter();
  for (const x of t) bw.write(x, 8);
  writeTablesAndTokens(bw, tok, table, counts);
  return bw.finish();
}

/**
 * The tail every int8 payload shares: the code lengths of each table (from its symbol counts), then
 * each token with its table's code, escape bits right after it. INT8_ROWS uses it too.
 */
export function writeTablesAndTokens(bw: BitWriter, tok: Int8Tokens, table: ArrayLike<number>, counts: Float64Array[]): void {
  const lengths = counts.map((c) => codeLengths(c));
  for (const l of lengths) writeLengths(bw, l);
  const codes = lengths.map((l) => encoderCodes(l));
  for (let k = 0; k < tok.n; k++) {
    const s = tok.syms[k];
    bw.write(codes[table[k]!]![s]!, lengths[table[k]!]![s]!);
    if (s >= ESCAPE_BASE) bw.writeLong(tok.extra[k], s - ESCAPE_BASE);
  }
}

/*
 * Decoder entries. buildDecoder's leaf entries carry, instead of the symbol, everything the hot loop
 * needs for it (per section: the contexts depend on the section's thresholds), so one table load
 * replaces four per-symbol lookups and the literal/run distinction needs no branch (a run writes a 0
 * that the cleared output already holds):
 *   bits 0-3 code length, bit 4 clear (set: second-level pointer, kept as is),
 *   bits 5-12 output byte (0 for runs), bits 13-16 advance - 1 (non-escape symbols),
 *   bits 17-19 next previous-token context, bit 20 zero run, bit 21 escape run,
 *   bits 22-26 escape extra-bit count.
 */
const E_RUN = 1 << 20;
const E_ESCAPE = 1 << 21;
/**
 * First-level lookup width of the int8 decoder (a decoder-internal choice, not format): with up to 32
 * tables per section, 2^9-entry tables keep the working set near L1 size; longer codes take the
 * second level.
 */
const INT8_LOOKUP_BITS = 9;
const INT8_LOOKUP_MASK = (1 << INT8_LOOKUP_BITS) - 1;
const DENSITY_TOP_CLASS = DENSITY_LEVELS - 1;
/** Largest int8 section the token loop decodes: output positions must stay 32-bit integers (| 0). */
const MAX_LOOP_OUTPUT = 2 ** 31 - 64;
/** The token loop's window moves forward by up to this many bits at a time (2^30: a V8 small integer). */
const WINDOW_STEP_BITS = 2 ** 30;

function leafEntry(s: number, length: number, ctxOf: Uint8Array): number {
  const ctx = ctxOf[s] << 17;
  if (s < RUN_BASE) return length | ((literalValue(s) & 0xff) << 5) | ctx;
  if (s < ESCAPE_BASE) return length | ((s - RUN_BASE) << 13) | ctx | E_RUN;
  return length | ctx | E_RUN | E_ESCAPE | ((s - ESCAPE_BASE) << 22);
}

/**
 * Decodes an int8 section payload data[start, end) into out[outStart, outStart + outLength); `density`
 * for INT8_DENSITY sections.
 */
export function decodeInt8(
  data: Uint8Array, start: number, end: number, contexts: number,
  out: Uint8Array, outStart: number, outLength: number, density = false,
): void {
  if (contexts < 1 || contexts > MAX_INT8_CONTEXTS) throw new PackFormatError(`int8 section: invalid context count ${contexts}`);
  const br = new BitReader(data, start, end);
  decodeInt8Tables(br, data, start, end, contexts, (density ? DENSITY_LEVELS : 1) * contexts, out, outStart, outLength, density, NO_ROWS, 0);
}

/** Row groups of an INT8_ROWS section (docs/format.md): at most 16 groups, at most 32 tables in all. */
export const MAX_ROW_GROUPS = 16;
export const MAX_ROW_TABLES = 32;
export const ROW_LENGTH_BITS = 24;
const NO_ROWS = new Int32Array(0);

/** Bits per group id: ceil(log2 G), 0 for one group. */
export function groupIdBits(groups: number): number {
  let b = 0;
  while (1 << b < groups) b++;
  return b;
}

/**
 * Decodes an INT8_ROWS section: INT8 tokens whose tables are chosen by the row group of the output row
 * the token starts in, times the previous-token context.
 */
export function decodeInt8Rows(
  data: Uint8Array, start: number, end: number, contexts: number,
  out: Uint8Array, outStart: number, outLength: number,
): void {
  if (contexts < 1 || contexts > MAX_INT8_CONTEXTS) throw new PackFormatError(`int8 section: invalid context count ${contexts}`);
  const br = new BitReader(data, start, end);
  const rowLength = br.read(12) + br.read(12) * 4096;
  if (rowLength === 0 || outLength % rowLength !== 0) throw new PackFormatError('int8 rows section: row length does not divide the section');
  const groups = br.read(4) + 1;
  if (groups * contexts > MAX_ROW_TABLES) throw new PackFormatError('int8 rows section: more than 32 tables');
  const rows = outLength / rowLength;
  const idBits = groupIdBits(groups);
  // Checked before allocating one entry per row: the ids must fit in the payload.
  if (rows * idBits > (end - start) * 8) throw new PackFormatError('int8 rows section: group ids run past the section end');
  // Per row, the offset of its group's first table in the decoder's lookup tables.
  const rowBase = new Int32Array(idBits ? rows : 1);
  for (let r = 0; r < rowBase.length; r++) {
    const g = br.read(idBits);
    if (g >= groups) throw new PackFormatError('int8 rows section: group id out of range');
    rowBase[r] = (g * contexts) << INT8_LOOKUP_BITS;
  }
  decodeInt8Tables(br, data, start, end, contexts, groups * contexts, out, outStart, outLength, false, rowBase, idBits ? rowLength : 0);
}

/** The shared rest of the int8 decoders: thresholds, `tables` code tables, then the token loop. */
function decodeInt8Tables(
  br: BitReader, data: Uint8Array, start: number, end: number, contexts: number, tables: number,
  out: Uint8Array, outStart: number, outLength: number, density: boolean, rowBase: Int32Array, rowLength: number,
): void {
  const t: number[] = [];
  for (let k = 0; k < contexts - 2; k++) {
    const x = br.read(8);
    if (x < 1 || x > 128 || (k > 0 && x < t[k - 1])) throw new PackFormatError('int8 section: context thresholds out of order');
    t.push(x);
  }
  const ctxOf = contextTable(contexts, t);
  const lengths = [];
  for (let c = 0; c < tables; c++) lengths.push(readLengths(br, INT8_ALPHABET));
  const symbolBits = new Int32Array(INT8_ALPHABET);
  for (let sym = 0; sym < INT8_ALPHABET; sym++) symbolBits[sym] = leafEntry(sym, 0, ctxOf);
  const hot = pairTable(buildDecoder(lengths, INT8_LOOKUP_BITS, symbolBits), tables, contexts);
  // Zero runs are skipped over, so clear the section first (one fill instead of one per run).
  out.fill(0, outStart, outStart + outLength);
  // The section's own view of the output, so that the loop's positions are small integers (see int8Tokens).
  if (outLength > MAX_LOOP_OUTPUT) throw new PackFormatError('int8 section: decodes to 2 GiB or more');
  const section = out.subarray(outStart, outStart + outLength);
  const win = bitWindow(data, start, end, br);
  finishWindow(win, int8Tokens(win.view, win.limit, win.start, hot, section, 0, outLength, contexts, density, rowBase, rowLength));
}

/*
 * The hot table of the token loop: two words per first-level slot, so that one lookup resolves up to
 * two tokens. hot[2i] is buildDecoder's fast[i] (second-level pointers moved to the second levels' new
 * place after the doubled first level; slots no code starts with point to a last, empty second-level
 * entry, so that the fast path tests one mask). For a first-level value or direct run, hot[2i + 1]
 * describes the slot's tokens together: the first, and the token after it when the first token's code
 * leaves room in the lookup bits for the whole code of the next (looked up in the table the first
 * token's context leads to, in the same density class or row group):
 *   bits 0-3 code length of both, bits 5-12 the second token's output byte (0 without one),
 *   bits 13-18 advance of both, bits 19-21 the previous-token context after them, bit 22 the second
 *   token is a zero run.
 * Both words share a cache line. Escape runs and long codes are never second tokens.
 */
const P_ADVANCE = 13;
const P_CONTEXT = 19;
const P_RUN = 1 << 22;
/** First-slot bits that send a token to the one-token path: a second-level pointer or an escape run. */
const E_SLOW = 16 | E_ESCAPE;

function pairTable(fast: Int32Array, tables: number, contexts: number): Int32Array {
  const bits = INT8_LOOKUP_BITS;
  const mask = INT8_LOOKUP_MASK;
  const main = tables << bits;
  const hot = new Int32Array(main + fast.length + 1);
  hot.set(fast.subarray(main), 2 * main);
  const empty = ((hot.length - 1) << 5) | 16; // a pointer to the last entry (0) with no index bits
  for (let i = 0; i < main; i++) {
    const e = fast[i];
    if (e === 0) {
      hot[2 * i] = empty;
      continue;
    }
    if (e & 16) {
      hot[2 * i] = (((e >>> 5) + main) << 5) | (e & 31);
      continue;
    }
    hot[2 * i] = e;
    const l1 = e & 15;
    const adv1 = ((e >>> 13) & 15) + 1;
    hot[2 * i + 1] = l1 | (adv1 << P_ADVANCE) | (((e >>> 17) & 7) << P_CONTEXT); // no second token
    if (e & E_ESCAPE || l1 >= bits) continue;
    const t = i >>> bits;
    const e2 = fast[((t - (t % contexts) + ((e >>> 17) & 7)) << bits) + ((i & mask) >>> l1)];
    if (e2 === 0 || e2 & E_SLOW || (e2 & 15) > bits - l1) continue;
    hot[2 * i + 1] = (l1 + (e2 & 15)) | (e2 & 0x1fe0) | ((adv1 + ((e2 >>> 13) & 15) + 1) << P_ADVANCE) |
      (((e2 >>> 17) & 7) << P_CONTEXT) | (e2 & E_RUN ? P_RUN : 0);
  }
  return hot;
}

/**
 * The token loop of decodeInt8: decodes tokens from bit position `bp` (steps may start up to `limit`)
 * into out[o, outEnd); returns the bit position after the last token. `hot` is pairTable's.
 * A function that does nothing but its loop (no computation before it, a plain return after it): V8
 * compiles a long loop on-stack mid-way through the first call, when the function has no type feedback
 * yet for code outside the loop, and such code then deoptimizes the function on later calls, which then
 * run mostly unoptimized (measured: sample CNN unpack ~165 -> ~110 MB/s in about half of the processes).
 */
function int8Tokens(
  view: DataView, limit: number, bp: number, hot: Int32Array,
  out: Uint8Array, o: number, outEnd: number, contexts: number, density: boolean,
  rowBase: Int32Array, rowLength: number,
): number {
  // Module constants the loop uses, as locals: V8 does not always fold module-level consts into
  // optimized code, and then reloads each from the module context, with a TDZ check, on every token.
  const lookupBits = INT8_LOOKUP_BITS;
  const mask = INT8_LOOKUP_MASK;
  const escapeFlag = E_ESCAPE;
  const slow = E_SLOW;
  const directRuns = DIRECT_RUNS;
  const decay = DENSITY_DECAY;
  const maxRun = DENSITY_MAX_RUN;
  const topClass = DENSITY_TOP_CLASS;
  // Above any z (≤ 4096), and a small integer: V8 keeps 0x7fffffff as a heap number (above 2^30), which
  // turns every comparison with it, and the loop state compared, into floating point.
  const noClassEnd = 8192;
  // Integers by construction (| 0): V8 then keeps the loop state in 32-bit registers whatever type
  // feedback the unoptimized runs gathered, instead of converting to and from floating point. Bit
  // positions fit as long as the window is moved forward every WINDOW_STEP_BITS (payloads of 128 MiB or
  // more; `shift` bits so far).
  const sectionLimit = limit;
  let shift = 0;
  limit = (limit < WINDOW_STEP_BITS ? limit : WINDOW_STEP_BITS) | 0;
  bp |= 0;
  o |= 0;
  outEnd |= 0;
  contexts |= 0;
  rowLength |= 0;
  let pc = 0; // previous-token context
  let z = 0; // zero density (INT8_DENSITY only)
  // Table of the current density class or row group, and the z range that keeps it. z changes every
  // token but its class rarely does: a predictable range check keeps the z arithmetic off the path from
  // one token's table lookup to the next.
  let classBase = rowBase.length ? rowBase[0] : 0;
  // INT8_ROWS: the table set changes where a token starts in a new row (rowLength 0: never).
  const rowOrigin = o;
  let rowEnd = rowLength ? o + rowLength : outEnd;
  // The two-token path runs below this: each token advances at most 16 bytes, so the second one starts
  // in the first one's row and neither passes the section end.
  let pairEnd = (rowEnd < outEnd ? rowEnd : outEnd) - 2 * directRuns;
  let zLo = 0;
  let zHi = density ? 1024 : noClassEnd;
  while (o < outEnd) {
    if (bp > limit) {
      if (bp + shift > sectionLimit) throw new PackFormatError('int8 section: codes run past the section end');
      const skip = bp >>> 3;
      view = new DataView(view.buffer, view.byteOffset + skip, view.byteLength - skip);
      bp = (bp - skip * 8) | 0;
      shift += skip * 8;
      limit = (sectionLimit - shift < WINDOW_STEP_BITS ? sectionLimit - shift : WINDOW_STEP_BITS) | 0;
      continue;
    }
    const w = view.getInt32(bp >>> 3, true) >>> (bp & 7); // ≥ 25 valid bits
    const i = (classBase + (pc << lookupBits) + (w & mask)) << 1;
    let e = hot[i];
    if ((e & slow) === 0 && o < pairEnd) {
      // A value or direct run, and the token after it if its code is within the lookup bits: no branch
      // on whether there is one (it varies unpredictably): without one, the second word describes the
      // first token alone and the 0 it writes at the next token's place is overwritten by that token.
      // Runs write the 0 the cleared output holds.
      const e2 = hot[i + 1];
      out[o] = (e >>> 5) & 0xff;
      if (density) {
        // See the one-token path below.
        const target = (e >>> 8) & 4096;
        z = target - (((target - z) * decay[((e >>> 13) & 15) + 1]) >> 16);
        if (z < zLo || z >= zHi) {
          // The class changed after the first token: the second was looked up in the wrong table.
          const c = z >> 10 < topClass ? z >> 10 : topClass;
          zLo = c << 10;
          zHi = c === topClass ? noClassEnd : zLo + 1024;
          classBase = (c * contexts) << lookupBits;
          bp = (bp + (e & 15)) | 0;
          o = (o + ((e >>> 13) & 15) + 1) | 0;
          pc = (e >>> 17) & 7;
          continue;
        }
      }
      out[o + (((e >>> 13) & 15) + 1)] = (e2 >>> 5) & 0xff;
      o = (o + ((e2 >>> 13) & 63)) | 0;
      bp = (bp + (e2 & 15)) | 0;
      pc = (e2 >>> 19) & 7;
      if (density) {
        const target = (e2 >>> 10) & 4096; // P_RUN moved to 4096
        z = target - (((target - z) * decay[((e2 >>> 13) & 63) - ((e >>> 13) & 15) - 1]) >> 16); // decay[0]: unchanged
        if (z < zLo || z >= zHi) {
          const c = z >> 10 < topClass ? z >> 10 : topClass;
          zLo = c << 10;
          zHi = c === topClass ? noClassEnd : zLo + 1024;
          classBase = (c * contexts) << lookupBits;
        }
      }
      // A second step like the first, without the comments: V8 re-checks each typed array it touches
      // (map, length, base pointer) once per iteration, and this halves those checks per token. What the
      // first step handles alone goes back to the top.
      if (bp > limit || o >= pairEnd) continue;
      const v = view.getInt32(bp >>> 3, true) >>> (bp & 7);
      const j = (classBase + (pc << lookupBits) + (v & mask)) << 1;
      const f = hot[j];
      if (f & slow) continue;
      const f2 = hot[j + 1];
      out[o] = (f >>> 5) & 0xff;
      if (density) {
        const target = (f >>> 8) & 4096;
        z = target - (((target - z) * decay[((f >>> 13) & 15) + 1]) >> 16);
        if (z < zLo || z >= zHi) {
          const c = z >> 10 < topClass ? z >> 10 : topClass;
          zLo = c << 10;
          zHi = c === topClass ? noClassEnd : zLo + 1024;
          classBase = (c * contexts) << lookupBits;
          bp = (bp + (f & 15)) | 0;
          o = (o + ((f >>> 13) & 15) + 1) | 0;
          pc = (f >>> 17) & 7;
          continue;
        }
      }
      out[o + (((f >>> 13) & 15) + 1)] = (f2 >>> 5) & 0xff;
      o = (o + ((f2 >>> 13) & 63)) | 0;
      bp = (bp + (f2 & 15)) | 0;
      pc = (f2 >>> 19) & 7;
      if (density) {
        const target = (f2 >>> 10) & 4096;
        z = target - (((target - z) * decay[((f2 >>> 13) & 63) - ((f >>> 13) & 15) - 1]) >> 16); // decay[0]: unchanged
        if (z < zLo || z >= zHi) {
          const c = z >> 10 < topClass ? z >> 10 : topClass;
          zLo = c << 10;
          zHi = c === topClass ? noClassEnd : zLo + 1024;
          classBase = (c * contexts) << lookupBits;
        }
      }
      continue;
    }
    // One token: long codes, escape runs, invalid codes, row and section ends.
    if (e & 16) e = hot[(e >>> 5) + ((w >>> lookupBits) & ((1 << (e & 15)) - 1))];
    if (e === 0) throw new PackFormatError('invalid Huffman code');
    bp = (bp + (e & 15)) | 0;
    pc = (e >>> 17) & 7;
    let len = ((e >>> 13) & 15) + 1;
    if (e & escapeFlag) {
      // Up to 31 extra bits as two reads of at most 16, straight-line: an inner loop here made the
      // token loop ~20 % slower. No range check: windows up to limit + 32 are in range (bit-window.ts).
      const ex = (e >>> 22) & 31;
      const loBits = ex < 16 ? ex : 16;
      const lo = (view.getInt32(bp >>> 3, true) >>> (bp & 7)) & ((1 << loBits) - 1);
      bp += loBits;
      const hi = (view.getInt32(bp >>> 3, true) >>> (bp & 7)) & ((1 << (ex - loBits)) - 1);
      bp += ex - loBits;
      const x = lo + hi * 65536;
      // Checked before it joins the token loop's integer state: a run length that could exceed
      // 2^31 would turn len, o and everything after them into doubles (measured ~20 % slower).
      // 2^ex as a product of two small shifts: `2 ** ex` is a call to pow, and a call in the loop makes
      // V8 re-check `out` and the tables on every token.
      const run = directRuns + (1 << (ex >> 1)) * (1 << (ex - (ex >> 1))) + x;
      if (run > outEnd - o) throw new PackFormatError('int8 section: zero run past the section end');
      len = run | 0;
    }
    if (len > outEnd - o) throw new PackFormatError('int8 section: zero run past the section end');
    out[o] = (e >>> 5) & 0xff;
    o = (o + len) | 0;
    if (density) {
      // One formula for both token kinds, no branch (they interleave unpredictably): a literal moves z
      // towards 0 exactly as a run of length 1 moves it towards 4096, since z - (z >> 6) equals
      // -((-z * DENSITY_DECAY[1]) >> 16). The target is the entry's run flag (bit 20) moved to 4096.
      const target = (e >>> 8) & 4096;
      z = target - (((target - z) * decay[len < maxRun ? len : maxRun]) >> 16);
      if (z < zLo || z >= zHi) {
        const c = z >> 10 < topClass ? z >> 10 : topClass; // densityClass(z)
        zLo = c << 10;
        zHi = c === topClass ? noClassEnd : zLo + 1024;
        classBase = (c * contexts) << lookupBits;
      }
    }
    if (o >= rowEnd && o < outEnd) {
      // A division per row, not per token: runs may skip whole rows.
      const r = ((o - rowOrigin) / rowLength) | 0;
      classBase = rowBase[r];
      rowEnd = rowOrigin + (r + 1) * rowLength;
      pairEnd = (rowEnd < outEnd ? rowEnd : outEnd) - 2 * directRuns;
    }
  }
  return bp + shift;
}

/**
 * Empirical entropy, in bits, of `data` under this coder's own context model with `contexts` tables:
 * Σ over tokens of −log2 p(token | context) with p the section's own frequencies, plus the escape
 * runs' extra bits. The ideal size the Huffman tables approximate (without the tables themselves).
 */
export function int8ContextEntropyBits(data: Uint8Array, contexts: number, density = false): number {
  const tok = tokenize(data);
  const ctxOf = contextTable(contexts, quantileThresholds(tok.magnitudes, contexts));
  let bits = 0;
  for (const counts of contextCounts(tok, contexts, ctxOf, density)) {
    let total = 0;
    for (const c of counts) total += c;
    for (const c of counts) if (c > 0) bits -= c * Math.log2(c / total);
  }
  for (let k = 0; k < tok.n; k++) if (tok.syms[k] >= ESCAPE_BASE) bits += tok.syms[k] - ESCAPE_BASE;
  return bits;
}
