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
  const fast = buildDecoder(lengths, INT8_LOOKUP_BITS, symbolBits);
  // Zero runs are skipped over, so clear the section first (one fill instead of one per run).
  out.fill(0, outStart, outStart + outLength);
  const win = bitWindow(data, start, end, br);
  finishWindow(win, int8Tokens(win.view, win.limit, win.start, fast, out, outStart, outStart + outLength, contexts, density,
    rowBase, rowLength));
}

/**
 * The token loop of decodeInt8: decodes tokens from bit position `bp` (steps may start up to `limit`)
 * into out[o, outEnd); returns the bit position after the last token.
 * A function that does nothing but its loop (no computation before it, a plain return after it): V8
 * compiles a long loop on-stack mid-way through the first call, when the function has no type feedback
 * yet for code outside the loop, and such code then deoptimizes the function on later calls, which then
 * run mostly unoptimized (measured: sample CNN unpack ~165 -> ~110 MB/s in about half of the processes).
 */
function int8Tokens(
  view: DataView, limit: number, bp: number, fast: Int32Array,
  out: Uint8Array, o: number, outEnd: number, contexts: number, density: boolean,
  rowBase: Int32Array, rowLength: number,
): number {
  // Module constants the loop uses, as locals: V8 does not always fold module-level consts into
  // optimized code, and then reloads each from the module context, with a TDZ check, on every token.
  const lookupBits = INT8_LOOKUP_BITS;
  const mask = INT8_LOOKUP_MASK;
  const escapeFlag = E_ESCAPE;
  const directRuns = DIRECT_RUNS;
  const decay = DENSITY_DECAY;
  const maxRun = DENSITY_MAX_RUN;
  const topClass = DENSITY_TOP_CLASS;
  let pc = 0; // previous-token context
  let z = 0; // zero density (INT8_DENSITY only)
  // Table of the current density class, and the z range that keeps it. z changes every token but its
  // class rarely does: a predictable range check keeps the z arithmetic off the path from one token's
  // table lookup to the next.
  let classBase = rowBase.length ? rowBase[0] : 0;
  // INT8_ROWS: the table set changes where a token starts in a new row (rowLength 0: never).
  const rowOrigin = o;
  let rowEnd = rowLength ? o + rowLength : 0x7fffffff;
  let zLo = 0;
  let zHi = density ? 1024 : 0x7fffffff;
  // Two tokens per iteration, the second step a copy of the first (without its comments): V8 re-checks
  // each typed array it touches (map, length, base pointer) once per iteration, and this halves those
  // checks per token (measured: sample CNN unpack ~153 -> ~172 MB/s).
  while (o < outEnd) {
    if (bp > limit) throw new PackFormatError('int8 section: codes run past the section end');
    const w = view.getInt32(bp >>> 3, true) >>> (bp & 7); // ≥ 25 valid bits
    let e = fast[classBase + (pc << lookupBits) + (w & mask)];
    if (e & 16) e = fast[(e >>> 5) + ((w >>> lookupBits) & ((1 << (e & 15)) - 1))];
    if (e === 0) throw new PackFormatError('invalid Huffman code');
    bp += e & 15;
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
    o += len;
    if (density) {
      // One formula for both token kinds, no branch (they interleave unpredictably): a literal moves z
      // towards 0 exactly as a run of length 1 moves it towards 4096, since z - (z >> 6) equals
      // -((-z * DENSITY_DECAY[1]) >> 16). The target is the entry's run flag (bit 20) moved to 4096.
      const target = (e >>> 8) & 4096;
      z = target - (((target - z) * decay[len < maxRun ? len : maxRun]) >> 16);
      if (z < zLo || z >= zHi) {
        const c = z >> 10 < topClass ? z >> 10 : topClass; // densityClass(z)
        zLo = c << 10;
        zHi = c === topClass ? 0x7fffffff : zLo + 1024;
        classBase = (c * contexts) << lookupBits;
      }
    }
    if (o >= rowEnd && o < outEnd) {
      // A division per row, not per token: runs may skip whole rows.
      const r = ((o - rowOrigin) / rowLength) | 0;
      classBase = rowBase[r];
      rowEnd = rowOrigin + (r + 1) * rowLength;
    }
    // The second token: the same step again.
    if (o >= outEnd) break;
    if (bp > limit) throw new PackFormatError('int8 section: codes run past the section end');
    const w2 = view.getInt32(bp >>> 3, true) >>> (bp & 7);
    let e2 = fast[classBase + (pc << lookupBits) + (w2 & mask)];
    if (e2 & 16) e2 = fast[(e2 >>> 5) + ((w2 >>> lookupBits) & ((1 << (e2 & 15)) - 1))];
    if (e2 === 0) throw new PackFormatError('invalid Huffman code');
    bp += e2 & 15;
    pc = (e2 >>> 17) & 7;
    let len2 = ((e2 >>> 13) & 15) + 1;
    if (e2 & escapeFlag) {
      const ex2 = (e2 >>> 22) & 31;
      const loBits2 = ex2 < 16 ? ex2 : 16;
      const lo2 = (view.getInt32(bp >>> 3, true) >>> (bp & 7)) & ((1 << loBits2) - 1);
      bp += loBits2;
      const hi2 = (view.getInt32(bp >>> 3, true) >>> (bp & 7)) & ((1 << (ex2 - loBits2)) - 1);
      bp += ex2 - loBits2;
      const x2 = lo2 + hi2 * 65536;
      const run2 = directRuns + (1 << (ex2 >> 1)) * (1 << (ex2 - (ex2 >> 1))) + x2;
      if (run2 > outEnd - o) throw new PackFormatError('int8 section: zero run past the section end');
      len2 = run2 | 0;
    }
    if (len2 > outEnd - o) throw new PackFormatError('int8 section: zero run past the section end');
    out[o] = (e2 >>> 5) & 0xff;
    o += len2;
    if (density) {
      const target2 = (e2 >>> 8) & 4096;
      z = target2 - (((target2 - z) * decay[len2 < maxRun ? len2 : maxRun]) >> 16);
      if (z < zLo || z >= zHi) {
        const c2 = z >> 10 < topClass ? z >> 10 : topClass;
        zLo = c2 << 10;
        zHi = c2 === topClass ? 0x7fffffff : zLo + 1024;
        classBase = (c2 * contexts) << lookupBits;
      }
    }
    if (o >= rowEnd && o < outEnd) {
      const r2 = ((o - rowOrigin) / rowLength) | 0;
      classBase = rowBase[r2];
      rowEnd = rowOrigin + (r2 + 1) * rowLength;
    }
  }
  return bp;
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
