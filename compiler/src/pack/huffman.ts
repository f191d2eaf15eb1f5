/**
 * Canonical Huffman codes: length-limited code construction (encoder), validation and a table-driven
 * decoder. Codes are canonical (assigned in order of (length, symbol)), so a table is fully described by
 * its code lengths; bits go LSB-first, so codes are stored bit-reversed.
 */
import { PackFormatError } from './errors.js';

export const MAX_CODE_LENGTH = 15;
/** Bits resolved by one table lookup; longer codes take the bounded canonical slow path. */
export const LOOKUP_BITS = 11;

/** Optimal code lengths for `counts`, limited to MAX_CODE_LENGTH; unused symbols get 0. */
export function codeLengths(counts: ArrayLike<number>): Uint8Array {
  const n = counts.length;
  const work = Array.from(counts);
  for (;;) {
    const lengths = huffmanLengths(work, n);
    let max = 0;
    for (let i = 0; i < n; i++) if (lengths[i] > max) max = lengths[i];
    if (max <= MAX_CODE_LENGTH) return lengths;
    // Flatten the distribution and retry; converges because counts shrink towards all-ones.
    for (let i = 0; i < n; i++) if (work[i] > 0) work[i] = Math.max(1, work[i] >> 1);
  }
}

function huffmanLengths(counts: number[], n: number): Uint8Array {
  const lengths = new Uint8Array(n);
  const used: number[] = [];
  for (let i = 0; i < n; i++) if (counts[i] > 0) used.push(i);
  if (used.length === 0) return lengths;
  if (used.length === 1) {
    lengths[used[0]] = 1;
    return lengths;
  }
  // Two-queue construction over leaves sorted by (count, symbol): deterministic tie-breaking.
  used.sort((a, b) => counts[a] - counts[b] || a - b);
  const m = used.length;
  const weight = new Float64Array(2 * m);
  const parent = new Int32Array(2 * m).fill(-1);
  for (let i = 0; i < m; i++) weight[i] = counts[used[i]];
  let leaf = 0;
  let inner = m;
  let next = m;
  const pick = (): number => {
    if (leaf < m && (inner >= next || weight[leaf] <= weight[inner])) return leaf++;
    return inner++;
  };
  while (next < 2 * m - 1) {
    const a = pick();
    const b = pick();
    weight[next] = weight[a] + weight[b];
    parent[a] = next;
    parent[b] = next;
    next++;
  }
  const depth = new Int32Array(2 * m);
  for (let i = 2 * m - 3; i >= 0; i--) depth[i] = depth[parent[i]] + 1;
  for (let i = 0; i < m; i++) lengths[used[i]] = depth[i];
  return lengths;
}

/**
 * Rejects code lengths that do not form a usable prefix code: lengths above MAX_CODE_LENGTH, an
 * over-subscribed set (Kraft sum > 1), or an incomplete one other than a single 1-bit code.
 * An all-zero table is valid (a context that never occurs); decoding with it is an error.
 */
export function validateLengths(lengths: Uint8Array): void {
  let kraft = 0;
  let used = 0;
  for (let i = 0; i < lengths.length; i++) {
    const l = lengths[i];
    if (l === 0) continue;
    if (l > MAX_CODE_LENGTH) throw new PackFormatError(`code length ${l} exceeds ${MAX_CODE_LENGTH}`);
    kraft += 1 << (MAX_CODE_LENGTH - l);
    used++;
  }
  if (used === 0) return;
  if (used === 1 && kraft === 1 << (MAX_CODE_LENGTH - 1)) return;
  if (kraft !== 1 << MAX_CODE_LENGTH) {
    throw new PackFormatError(kraft > 1 << MAX_CODE_LENGTH ? 'over-subscribed Huffman table' : 'incomplete Huffman table');
  }
}

/** Encoder view: bit-reversed canonical codes, ready for an LSB-first writer. */
export function encoderCodes(lengths: Uint8Array): Uint32Array {
  const codes = new Uint32Array(lengths.length);
  const blCount = new Uint32Array(MAX_CODE_LENGTH + 1);
  for (const l of lengths) if (l) blCount[l]++;
  const nextCode = new Uint32Array(MAX_CODE_LENGTH + 2);
  let code = 0;
  for (let len = 1; len <= MAX_CODE_LENGTH; len++) {
    code = (code + blCount[len - 1]) << 1;
    nextCode[len] = code;
  }
  for (let s = 0; s < lengths.length; s++) {
    const l = lengths[s];
    if (l) codes[s] = reverseBits(nextCode[l]++, l);
  }
  return codes;
}

/** The low n (≤ 16) bits of v in reverse order: four swap steps instead of a loop over the bits. */
function reverseBits(v: number, n: number): number {
  v = ((v >>> 1) & 0x5555) | ((v & 0x5555) << 1);
  v = ((v >>> 2) & 0x3333) | ((v & 0x3333) << 2);
  v = ((v >>> 4) & 0x0f0f) | ((v & 0x0f0f) << 4);
  v = ((v >>> 8) & 0x00ff) | ((v & 0x00ff) << 8);
  return v >>> (16 - n);
}

/**
 * Scratch for canonicalOrder, reused across calls (a typed-array allocation costs ~0.4 µs, which adds
 * up over the tables of many small sections): symbols in canonical order ((length, symbol)), their
 * canonical codes (MSB-first), and per-length counts, start positions and next codes.
 */
let sortedScratch = new Int32Array(512);
let codeScratch = new Int32Array(512);
const lengthCount = new Int32Array(MAX_CODE_LENGTH + 1);
const lengthAt = new Int32Array(MAX_CODE_LENGTH + 1);
const lengthCode = new Int32Array(MAX_CODE_LENGTH + 1);

/** Fills sortedScratch/codeScratch for `lengths` (validated); returns the number of used symbols. */
function canonicalOrder(lengths: Uint8Array): number {
  if (sortedScratch.length < lengths.length) {
    sortedScratch = new Int32Array(lengths.length);
    codeScratch = new Int32Array(lengths.length);
  }
  const count = lengthCount;
  const at = lengthAt;
  const code = lengthCode;
  count.fill(0);
  for (let s = 0; s < lengths.length; s++) count[lengths[s]]++;
  let n = 0;
  let c = 0;
  for (let l = 1; l <= MAX_CODE_LENGTH; l++) {
    c = (c + (l > 1 ? count[l - 1] : 0)) << 1;
    at[l] = n;
    code[l] = c;
    n += count[l];
  }
  for (let s = 0; s < lengths.length; s++) {
    const l = lengths[s];
    if (l === 0) continue;
    sortedScratch[at[l]] = s;
    codeScratch[at[l]++] = code[l]++;
  }
  return n;
}

/**
 * Decoder lookup tables for several Huffman tables in one Int32Array. Table c's first level is at
 * c << lookupBits (default LOOKUP_BITS; a decoder-internal choice), indexed by the next lookupBits bits.
 * An entry is
 *   (symbol << 5) | length            a code of `length` ≤ 15 bits (length counts all its bits);
 *                                     symbolBits[symbol] | length instead when `symbolBits` is given
 *   (offset << 5) | 16 | extraBits    a second-level table at `offset`, indexed by the next extraBits bits
 *   0                                 no code starts with these bits (corrupt input)
 * Two levels resolve every code of up to MAX_CODE_LENGTH bits with no bit-by-bit loop.
 *
 * Built once per section, so its cost counts for small sections. Codes are placed in canonical order,
 * doubling the filled part of the table before each longer length (a copyWithin) instead of writing
 * every replica of every short code: one write per symbol plus two table-sized copies.
 */
export function buildDecoder(tables: Uint8Array[], lookupBits = LOOKUP_BITS, symbolBits?: Int32Array): Int32Array {
  const size = 1 << lookupBits;
  const main = tables.length * size;
  // Second-level sizes. Codes longer than lookupBits that share their first lookupBits bits are
  // adjacent in canonical order, and the last of them is the longest.
  let total = main;
  for (const lengths of tables) {
    const n = canonicalOrder(lengths);
    for (let k = 0; k < n; k++) {
      const l = lengths[sortedScratch[k]];
      if (l <= lookupBits) continue;
      const last = k + 1 === n || codeScratch[k + 1] >>> (lengths[sortedScratch[k + 1]] - lookupBits) !== codeScratch[k] >>> (l - lookupBits);
      if (last) total += 1 << (l - lookupBits);
    }
  }
  const out = new Int32Array(total);
  let next = main;
  for (let c = 0; c < tables.length; c++) {
    const lengths = tables[c];
    const base = c * size;
    const n = canonicalOrder(lengths);
    let k = 0;
    for (let l = 1, span = 1; l <= lookupBits; l++, span <<= 1) {
      out.copyWithin(base + span, base, base + span);
      for (; k < n && lengths[sortedScratch[k]] === l; k++) {
        const s = sortedScratch[k];
        out[base + reverseBits(codeScratch[k], l)] = (symbolBits ? symbolBits[s] : s << 5) | l;
      }
    }
    // Longer codes, one group per first-level prefix: the group's pointer entry, then its codes.
    while (k < n) {
      const prefix = codeScratch[k] >>> (lengths[sortedScratch[k]] - lookupBits);
      let end = k + 1;
      while (end < n && codeScratch[end] >>> (lengths[sortedScratch[end]] - lookupBits) === prefix) end++;
      const bits = lengths[sortedScratch[end - 1]] - lookupBits;
      out[base + reverseBits(prefix, lookupBits)] = (next << 5) | 16 | bits;
      for (; k < end; k++) {
        const s = sortedScratch[k];
        const l = lengths[s];
        const rest = l - lookupBits;
        const leaf = (symbolBits ? symbolBits[s] : s << 5) | l;
        for (let r = reverseBits(codeScratch[k] & ((1 << rest) - 1), rest); r < 1 << bits; r += 1 << rest) out[next + r] = leaf;
      }
      next += 1 << bits;
    }
  }
  return out;
}
